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
 * `colours`: ANSI colours, markup that must stay text, a long line and
 * directives, in a run of well under a second. The script is a file of its
 * own, so the runner's first line ("starting ...") does not repeat its text.
 */
const COLOURS_TASK = `
[tasks.colours]
description = "ANSI colours, markup, a long line and directives: the log viewer's test run."
command = ["{python}", "{tasks_dir}/colours.py"]
steps = ["build"]
timeout = 30
`

const COLOURS_SCRIPT = `import sys
print("::step build")
print("\\x1b[31mred alert\\x1b[0m and \\x1b[1;32mbold green\\x1b[0m")
print("<b>not bold</b> <img src=x onerror=alert(1)>")
print("::progress 50")
print("needle one")
print("long " + "x" * 400 + " END-OF-LONG-LINE")
print("needle two", file=sys.stderr)
print("::step-done")
print("NEEDLE three")
`

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
      env: { SPA_DIST: join(REPO, 'frontend/dist') },
    })
    writeFileSync(join(this.workdir, 'colours.py'), COLOURS_SCRIPT)
  }
}
