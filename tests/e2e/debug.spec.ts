import { expect, screenshot, test } from './support/fixtures'

test('debug messages appear live, repeats are counted and success shows a toast', async ({
  signedIn: page,
  account,
  baseURL,
}) => {
  await page.goto('/debug')
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'connected')

  const post = (level: string, message: string) =>
    page.request.post(`${baseURL}/api/debug`, {
      headers: { Authorization: `Bearer ${account.token}` },
      data: { level, source: 'deploy/e2e', message, context: { build: 42 } },
    })
  const unique = `deployed build ${Date.now()}`
  expect((await post('success', unique)).status()).toBe(202)

  const row = page.locator('[data-testid=debug-list] li[data-level=success]', { hasText: unique })
  await expect(row).toBeVisible()
  await expect(page.locator('[data-testid=toast][data-kind=success]', { hasText: unique })).toBeVisible()

  // The same message again within the dedupe window: one row, count 2.
  expect((await post('success', unique)).status()).toBe(202)
  await expect(row.getByTestId('debug-count')).toHaveText('×2')
  await expect(page.locator('[data-testid=debug-list] li', { hasText: unique })).toHaveCount(1)

  // An error also toasts; the level filter hides what is switched off.
  const failure = `rollback failed ${Date.now()}`
  await post('error', failure)
  await post('warning', 'disk 91% full')
  await expect(page.locator('[data-testid=toast][data-kind=error]', { hasText: failure })).toBeVisible()
  await screenshot(page, 'debug')
  await page.locator('button[data-level=success]').click()
  await expect(row).toHaveCount(0)
  await expect(page.locator('[data-testid=debug-list] li[data-level=error]', { hasText: failure })).toBeVisible()
})
