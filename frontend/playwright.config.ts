/**
 * Playwright: the e2e specs in ../tests/e2e run in the system's Chromium
 * against the built SPA served by a real backend (started by the global
 * setup on a free port). Run `npm run build` first; `make test` does.
 */
import { defineConfig } from '@playwright/test'

const CHROMIUM = process.env.PLAYWRIGHT_CHROMIUM_PATH ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: '../tests/e2e',
  outputDir: './test-results',
  globalSetup: '../tests/e2e/support/global-setup.ts',
  // One worker: the machine has two cores and the backend runs beside it.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1360, height: 820 },
    colorScheme: 'dark',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
})
