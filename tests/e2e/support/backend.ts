/**
 * A real `python -m pulseboard serve` for the e2e specs: free loopback port,
 * its own SQLite database, data file and SECRET_KEY in a temporary folder.
 * `stop()` then `start()` brings it back on the same port with the same
 * database and key, as a restart in production would.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const REPO = resolve(__dirname, '../../..')
const PYTHON = process.env.PULSEBOARD_PYTHON ?? join(REPO, '.venv/bin/python')

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => done(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export class Backend {
  readonly workdir = mkdtempSync(join(tmpdir(), 'pulseboard-e2e-'))
  port = 0
  private child: ChildProcess | null = null

  constructor(private readonly env: Record<string, string> = {}) {
    writeFileSync(join(this.workdir, 'data.json'), JSON.stringify({ orders_per_minute: 42, queue: { depth: 7 } }))
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Spawn the server and wait for `/api/health` to answer 200. */
  async start(timeoutMs = 30_000): Promise<this> {
    if (!this.port) this.port = await freePort()
    const log = openSync(join(this.workdir, 'server.log'), 'a')
    this.child = spawn(PYTHON, ['-m', 'pulseboard', 'serve', '--port', String(this.port)], {
      cwd: this.workdir,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        SECRET_KEY: 'e2e-secret-key',
        DATABASE_URL: `sqlite:///${join(this.workdir, 'pb.db')}`,
        DATA_FILE: join(this.workdir, 'data.json'),
        SPA_DIST: join(REPO, 'frontend/dist'),
        PYTHONUNBUFFERED: '1',
        ...this.env,
      },
    })
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline && this.child.exitCode === null) {
      try {
        if ((await fetch(`${this.url}/api/health`)).status === 200) return this
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150))
    }
    throw new Error(`backend on ${this.url} did not start:\n${this.log()}`)
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  /** Stop for good and delete the temporary folder (database, logs). */
  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.workdir, { recursive: true, force: true })
  }

  log(): string {
    try {
      return readFileSync(join(this.workdir, 'server.log'), 'utf8')
    } catch {
      return ''
    }
  }
}
