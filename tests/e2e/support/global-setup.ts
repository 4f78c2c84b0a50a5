/**
 * Playwright globalSetup: one backend serving the built SPA for every spec.
 *
 * With `PB_E2E_URL` already set (a deployed stack: nginx in front of two
 * workers, the compose stack), the specs run against that URL and no backend
 * is started here; specs that need a backend of their own still start one.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { Backend, REPO } from './backend'

export default async function globalSetup() {
  if (process.env.PB_E2E_URL) return undefined
  if (!existsSync(join(REPO, 'frontend/dist/index.html'))) {
    throw new Error('frontend/dist is missing: run `npm run build` in frontend/ first')
  }
  const backend = await new Backend().start()
  // Workers inherit the environment set here.
  process.env.PB_E2E_URL = backend.url
  return async () => {
    await backend.dispose()
  }
}
