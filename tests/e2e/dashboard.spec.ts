import { expect, screenshot, test } from './support/fixtures'

/** How many points a chart card says it holds. */
async function points(page: import('@playwright/test').Page, stream: string): Promise<number> {
  return Number(await page.locator(`[data-testid=chart][data-stream="${stream}"]`).getAttribute('data-points'))
}

test('live charts receive points and the picker adds and removes streams', async ({ signedIn: page }) => {
  await page.goto('/')
  const sine = page.locator('[data-testid=chart][data-stream="demo.sine"]')
  await expect(sine).toBeVisible()
  // From its first points on, the time axis spans at least a minute (seconds, not milliseconds).
  await expect.poll(async () => Number(await sine.getAttribute('data-points'))).toBeGreaterThan(1)
  // The span is set when the chart draws, which can be a frame after the points arrive.
  await expect.poll(async () => Number(await sine.getAttribute('data-axis-span'))).toBeGreaterThanOrEqual(60)
  await expect.poll(() => points(page, 'demo.sine')).toBeGreaterThan(5)
  // The sine produces ten points a second: they keep arriving. (Counted by time, not by the
  // window's size: on a server that has produced the sine for a minute the window is full, and
  // on one that produced it earlier its old points age out as new ones arrive.)
  const newest = async () => Number(await sine.getAttribute('data-last-time'))
  const before = await newest()
  await expect.poll(newest).toBeGreaterThanOrEqual(before + 500)
  await expect(sine.locator('canvas').first()).toBeVisible()
  // Each chart says what it keeps (from the stream's window_points / interval_ms when the server sends them).
  await expect(sine.getByTestId('chart-keeps')).toContainText(/^Keeps the last /)
  await expect.poll(() => points(page, 'demo.sine'), { timeout: 20_000 }).toBeGreaterThan(60)
  await screenshot(page, 'dashboard')

  // A data-file stream from the picker gets its own chart; removing it drops it.
  const fileChip = page.locator('[data-testid=stream-picker] [data-stream="file.orders_per_minute"]')
  await fileChip.click()
  await expect(page.locator('[data-testid=chart][data-stream="file.orders_per_minute"]')).toBeVisible()
  await expect.poll(() => points(page, 'file.orders_per_minute')).toBeGreaterThan(0)
  await expect(page.locator('[data-testid=chart][data-stream="system.cpu"]')).toBeVisible()
  await expect.poll(() => points(page, 'system.cpu')).toBeGreaterThan(1)

  // The selection survives a reload: the added stream comes back with the four defaults.
  await page.reload()
  await expect(page.locator('[data-testid=chart]')).toHaveCount(5)
  await expect(page.locator('[data-testid=chart][data-stream="file.orders_per_minute"]')).toBeVisible()

  await fileChip.click()
  await expect(page.locator('[data-testid=chart][data-stream="file.orders_per_minute"]')).toHaveCount(0)
  // And so does its removal.
  await page.reload()
  await expect(page.locator('[data-testid=chart]')).toHaveCount(4)
  await expect(page.locator('[data-testid=chart][data-stream="file.orders_per_minute"]')).toHaveCount(0)
})
