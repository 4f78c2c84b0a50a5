import type { Page } from '@playwright/test'

import { expect, test } from './support/fixtures'
import { expectAccessible } from './support/axe'

test('the login page passes axe and keeps its height between its tabs', async ({ page }) => {
  await page.goto('/login')
  await expectAccessible(page, 'login')
  const card = page.locator('.panel')
  const signIn = (await card.boundingBox())!.height
  await page.getByTestId('tab-register').click()
  expect((await card.boundingBox())!.height).toBe(signIn)
  // The server's rule, as a sentence, for a password that is too short.
  await page.getByLabel('Username').fill(`short${Date.now().toString(36)}`)
  await page.getByLabel('Password').fill('abc')
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('login-error')).toHaveText('Password must be 8-128 characters.')
  expect((await card.boundingBox())!.height).toBe(signIn)
})

/** Messages at every level, more than the debug list shows without scrolling. */
async function seedDebugMessages(page: Page, baseURL: string, token: string) {
  const levels = ['debug', 'info', 'warning', 'error', 'success']
  for (let i = 0; i < 40; i++) {
    const level = levels[i % levels.length]
    const response = await page.request.post(`${baseURL}/api/debug`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { level, source: 'a11y/e2e', message: `${level} message ${i} ${Date.now()}`, context: { i } },
    })
    expect(response.status()).toBe(202)
  }
}

test('every signed-in page passes axe, and the keyboard reaches the navigation with a visible focus', async ({
  signedIn: page,
  account,
  baseURL,
}) => {
  await seedDebugMessages(page, baseURL as string, account.token)
  await page.goto('/')
  await expect(page.locator('[data-testid=chart][data-stream="demo.sine"] canvas').first()).toBeVisible()
  await expectAccessible(page, 'dashboard')

  // Tab from the top: the first stops are the navigation, each with a visible outline.
  await page.keyboard.press('Tab')
  await page.keyboard.press('Tab')
  const focused = page.locator(':focus')
  await expect(focused).toHaveAttribute('data-testid', 'nav-dashboard')
  expect(await focused.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none')
  await page.keyboard.press('Tab')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/\/tasks$/)

  await page.getByTestId('start-colours').click()
  await expect(page.getByTestId('task-status')).toHaveText('succeeded', { timeout: 30_000 })
  await expectAccessible(page, 'tasks')
  for (const path of ['/chat/room/general', '/debug', '/console']) {
    await page.goto(path)
    await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'connected')
    await expectAccessible(page, path)
  }

  // A debug message opens and closes its context from the keyboard.
  await page.goto('/debug')
  const row = page.locator('[data-testid=debug-list] li[data-level=error]').first()
  await row.focus()
  await page.keyboard.press('Enter')
  await expect(row.locator('.context')).toBeVisible()
  await expect(row).toHaveAttribute('aria-expanded', 'true')
  await page.keyboard.press('Enter')
  await expect(row.locator('.context')).toHaveCount(0)
})
