/**
 * A real `python -m pulseboard serve` for the tests: a free loopback port, its
 * own SQLite database, data file and SECRET_KEY in a temporary folder.
 * `stop()` then `start()` brings it back on the same port with the same
 * database and key, as a restart in production would.
 *
 * Vitest (test-support/vitest-backend.ts) and Playwright
 * (tests/e2e/support/backend.ts) share this file. Vitest loads it as an ES
 * module and Playwright as CommonJS, so it reads neither `import.meta` nor
 * `__dirname`: the caller says where the repository is.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Session } from '../src/types/contract'

export const PASSWORD = 'correct horse battery'

export interface BackendOptions {
  /** The repository root: Python is `<repo>/.venv/bin/python` unless PULSEBOARD_PYTHON names another. */
  repo: string
  /** The JSON data file, whose numeric keys become `file.<key>` streams. */
  data: Record<string, unknown>
  /** A tasks file (TOML) in place of the shipped demo tasks. */
  tasks?: string
  /** More environment for the server (e.g. `SPA_DIST`). */
  env?: Record<string, string>
}

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

/** A backend child process; `start` again after `stop` reuses port, database and key. */
export class BackendProcess {
  readonly workdir = mkdtempSync(join(tmpdir(), 'pulseboard-test-'))
  port = 0
  private child: ChildProcess | null = null

  constructor(private readonly options: BackendOptions) {
    writeFileSync(join(this.workdir, 'data.json'), JSON.stringify(options.data))
    if (options.tasks !== undefined) writeFileSync(join(this.workdir, 'tasks.toml'), options.tasks)
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Spawn the server and wait for `/api/health` to answer 200. */
  async start(timeoutMs = 30_000): Promise<this> {
    if (!this.port) this.port = await freePort()
    const { repo, tasks, env } = this.options
    const python = process.env.PULSEBOARD_PYTHON ?? join(repo, '.venv/bin/python')
    const log = openSync(join(this.workdir, 'server.log'), 'a')
    this.child = spawn(python, ['-m', 'pulseboard', 'serve', '--port', String(this.port)], {
      cwd: this.workdir,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        SECRET_KEY: 'test-secret-key',
        DATABASE_URL: `sqlite:///${join(this.workdir, 'pb.db')}`,
        DATA_FILE: join(this.workdir, 'data.json'),
        ...(tasks === undefined ? {} : { TASKS_FILE: join(this.workdir, 'tasks.toml') }),
        PYTHONUNBUFFERED: '1',
        ...env,
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

  /** What the server printed so far. */
  log(): string {
    try {
      return readFileSync(join(this.workdir, 'server.log'), 'utf8')
    } catch {
      return ''
    }
  }
}

const demoNames = new Map<string, number>()

/**
 * A username no other test uses. With `PB_SCREENSHOTS` set (`make
 * screenshots`, for the README) names read like people's: `alice`, `alice2`.
 */
export function uniqueName(prefix: string): string {
  if (process.env.PB_SCREENSHOTS) {
    const n = (demoNames.get(prefix) ?? 0) + 1
    demoNames.set(prefix, n)
    return n === 1 ? prefix : `${prefix}${n}`
  }
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
}

/** Register a fresh user through the REST API; its password is `PASSWORD`. */
export async function registerUser(url: string, prefix = 'user'): Promise<Session> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${url}/api/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: uniqueName(prefix), password: PASSWORD }),
    })
    if (response.status === 201) return (await response.json()) as Session
    const body = await response.text()
    // A readable demo name may be taken already (another spec of the run): take the next.
    if (!(process.env.PB_SCREENSHOTS && body.includes('taken') && attempt < 20)) {
      throw new Error(`register failed: ${response.status} ${body}`)
    }
  }
}
