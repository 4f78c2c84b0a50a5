/**
 * Start a real `python -m pulseboard serve` on a free loopback port, with its
 * own SQLite database and data file in a temporary folder (Vitest's side; the
 * Playwright specs have their own copy in tests/e2e/support).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')
const PYTHON = process.env.PULSEBOARD_PYTHON ?? join(REPO, '.venv/bin/python')

/** Tasks sized for unit tests, built on the shipped demo scripts. */
const TASKS = `
[tasks.flood-12k]
description = "12,000 lines: more than one subscribe reply holds"
command = ["{python}", "{demo_dir}/flood.py", "12000"]
timeout = 60

[tasks.slow-pipeline]
description = "The demo pipeline at 0.15 s a line"
command = ["{python}", "{demo_dir}/pipeline.py", "0.15"]
steps = ["checkout", "install", "build", "test", "package"]
timeout = 60
`

/** A TCP port on 127.0.0.1 nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => done(port))
    })
  })
}

/** A backend child process; `start` again after `stop` reuses port, database and key. */
export class BackendProcess {
  readonly workdir: string
  port = 0
  private child: ChildProcess | null = null

  constructor(private readonly extraEnv: Record<string, string> = {}) {
    this.workdir = mkdtempSync(join(tmpdir(), 'pulseboard-vitest-'))
    writeFileSync(join(this.workdir, 'data.json'), JSON.stringify({ orders: 42 }))
    writeFileSync(join(this.workdir, 'tasks.toml'), TASKS)
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Spawn the server and wait until `/api/health` answers 200. */
  async start(timeoutMs = 30_000): Promise<this> {
    if (!this.port) this.port = await freePort()
    const log = openSync(join(this.workdir, 'server.log'), 'a')
    this.child = spawn(PYTHON, ['-m', 'pulseboard', 'serve', '--port', String(this.port)], {
      cwd: this.workdir,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        SECRET_KEY: 'vitest-secret-key',
        DATABASE_URL: `sqlite:///${join(this.workdir, 'pb.db')}`,
        DATA_FILE: join(this.workdir, 'data.json'),
        TASKS_FILE: join(this.workdir, 'tasks.toml'),
        PYTHONUNBUFFERED: '1',
        ...this.extraEnv,
      },
    })
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break
      try {
        if ((await fetch(`${this.url}/api/health`)).status === 200) return this
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150))
    }
    throw new Error(`backend on ${this.url} did not start:\n${this.log()}`)
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
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

  /** What the server printed so far. */
  log(): string {
    try {
      return readFileSync(join(this.workdir, 'server.log'), 'utf8')
    } catch {
      return ''
    }
  }
}

/** Register a fresh user and return its token. */
export async function registerUser(url: string, prefix = 'user'): Promise<{ token: string; username: string }> {
  const username = `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
  const response = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  })
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`)
  const body = (await response.json()) as { token: string }
  return { token: body.token, username }
}
