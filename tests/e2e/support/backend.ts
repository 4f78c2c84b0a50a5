/**
 * The backend the e2e specs run against: the launcher Vitest uses too
 * (frontend/test-support/backend.ts), serving the built SPA, with a data file
 * for the `file.*` streams and the demo tasks plus one for the log viewer.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { BackendProcess } from '../../../frontend/test-support/backend'

export const REPO = resolve(__dirname, '../../..')

/**
 * `colours` (colours.toml, colours.py beside this file): ANSI colours, markup
 * that must stay text, a long line and directives, in a run of well under a
 * second. The stack tests (tests/support/stack.py) add the same task.
 */
const COLOURS_TASK = readFileSync(join(__dirname, 'colours.toml'), 'utf8')
const COLOURS_SCRIPT = readFileSync(join(__dirname, 'colours.py'), 'utf8')

/** The tasks file of the e2e backend: the shipped one plus `colours`. */
export function e2eTasks(): string {
  return readFileSync(join(REPO, 'backend/pulseboard/data/tasks.toml'), 'utf8') + COLOURS_TASK
}

export class Backend extends BackendProcess {
  constructor() {
    super({
      repo: REPO,
      data: { orders_per_minute: 42, queue: { depth: 7 } },
      tasks: e2eTasks(),
      env: { SPA_DIST: join(REPO, 'frontend/dist'), ALERTS_FILE: join(__dirname, 'alerts.toml') },
    })
    writeFileSync(join(this.workdir, 'colours.py'), COLOURS_SCRIPT)
  }
}
