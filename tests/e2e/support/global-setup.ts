/** Playwright globalSetup: one backend serving the built SPA for every spec. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { Backend, REPO } from './backend'

export default async function globalSetup() {
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
