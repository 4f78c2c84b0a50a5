/**
 * The backend the e2e specs run against: the launcher Vitest uses too
 * (frontend/test-support/backend.ts), serving the built SPA, with a data file
 * for the `file.*` streams.
 */
import { join, resolve } from 'node:path'

import { BackendProcess } from '../../../frontend/test-support/backend'

export const REPO = resolve(__dirname, '../../..')

export class Backend extends BackendProcess {
  constructor() {
    super({
      repo: REPO,
      data: { orders_per_minute: 42, queue: { depth: 7 } },
      env: { SPA_DIST: join(REPO, 'frontend/dist') },
    })
  }
}
