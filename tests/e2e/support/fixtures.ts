/**
 * Fixtures shared by the specs: `baseURL` points at the global backend,
 * `account` registers a user over the REST API and `signedIn` opens the app
 * signed in as that user.
 */
import { test as base, expect, type Browser, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { PASSWORD, registerUser, uniqueName } from '../../../frontend/test-support/backend'
import type { Session } from '../../../frontend/src/types/contract'
import { REPO } from './backend'

export { PASSWORD, expect, registerUser, uniqueName }

/** A registered user: its token and `{id, username}`; the password is `PASSWORD`. */
export type Account = Session

/**
 * Where the specs save screenshots: an ignored folder, so `make test` leaves
 * the checkout clean. `make screenshots` (PB_SCREENSHOTS=docs/screenshots)
 * refreshes the README's images instead.
 */
export const SCREENSHOTS = process.env.PB_SCREENSHOTS
  ? resolve(REPO, process.env.PB_SCREENSHOTS)
  : join(REPO, 'test-output/screenshots')

/** Store the session where the SPA looks for it, before any page script runs. */
export async function signInPage(page: Page, account: Account): Promise<void> {
  await page.addInitScript((session) => {
    if (!localStorage.getItem('pulseboard.session')) localStorage.setItem('pulseboard.session', session)
  }, JSON.stringify({ token: account.token, user: account.user }))
}

/** A second signed-in user in its own browser context (own storage, own socket). */
export async function openAs(
  browser: Browser,
  baseURL: string,
  account: Account,
  path = '/',
  viewport = { width: 1360, height: 820 },
): Promise<Page> {
  const context = await browser.newContext({ baseURL, colorScheme: 'dark', viewport })
  const page = await context.newPage()
  await signInPage(page, account)
  await page.goto(path)
  return page
}

/** Save the current page as <SCREENSHOTS>/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: 'disabled' })
}

export const test = base.extend<{ account: Account; signedIn: Page }>({
  baseURL: async ({}, use) => {
    const url = process.env.PB_E2E_URL
    if (!url) throw new Error('PB_E2E_URL is not set: the global setup did not run')
    await use(url)
  },
  account: async ({ baseURL }, use) => {
    // The README's screenshots show a demo account, never a test one.
    await use(await registerUser(baseURL as string, process.env.PB_SCREENSHOTS ? 'demo' : 'e2e'))
  },
  signedIn: async ({ page, account }, use) => {
    await signInPage(page, account)
    await use(page)
  },
})
