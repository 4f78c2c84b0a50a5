import { expect, test } from './support/fixtures'

/** Milliseconds until the page paints its next frame: a blocked main thread shows here. */
function frameDelay(page: import('@playwright/test').Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((done) => {
        const start = performance.now()
        requestAnimationFrame(() => done(performance.now() - start))
      }),
  )
}

test('the 100,000-line task leaves the page responsive and the DOM bounded', async ({ signedIn: page }) => {
  test.setTimeout(240_000)
  await page.goto('/tasks')
  await page.getByTestId('start-flood').click()
  await expect(page).toHaveURL(/\/tasks\/\d+$/)
  const count = async () => Number(await page.getByTestId('log-count').getAttribute('data-count'))
  const rows = page.getByTestId('log-row')

  // While lines pour in, frames keep coming and the DOM stays small.
  await expect.poll(count, { timeout: 60_000 }).toBeGreaterThan(5_000)
  const delays: number[] = []
  for (let i = 0; i < 5; i++) delays.push(await frameDelay(page))
  expect(Math.max(...delays)).toBeLessThan(1_000)
  expect(await rows.count()).toBeLessThan(200)
  await expect(page.getByTestId('log-follow')).toHaveText('Following')

  await expect(page.getByTestId('task-status')).toHaveText('succeeded', { timeout: 180_000 })
  await expect.poll(count, { timeout: 30_000 }).toBeGreaterThanOrEqual(100_000)
  expect(await rows.count()).toBeLessThan(200)
  // Following: the last line printed is on screen.
  await expect(rows.filter({ hasText: 'line 100000 of 100000' })).toBeVisible()

  // Scrolling up pauses following; "Jump to end" resumes it.
  await page.getByTestId('log-viewport').hover()
  await page.mouse.wheel(0, -3000)
  await expect(page.getByTestId('log-follow')).toHaveText('Paused')
  await page.getByTestId('log-jump').click()
  await expect(page.getByTestId('log-follow')).toHaveText('Following')

  // Search covers the whole log, with no cap on matches, and the page stays responsive.
  await page.getByTestId('log-search').fill('of 100000')
  await expect(page.getByTestId('log-match-count')).toHaveAttribute('data-count', '100000', { timeout: 10_000 })
  await expect(page.getByTestId('log-match-count')).toHaveText('1 of 100,000')
  expect(await frameDelay(page)).toBeLessThan(1_000)
  await page.getByTestId('log-prev').click()
  await expect(page.getByTestId('log-match-count')).toHaveText('100,000 of 100,000')
  await page.getByTestId('log-search').fill('line 54321 of')
  await expect(page.getByTestId('log-match-count')).toHaveText('1 of 1')
  await expect(rows.filter({ hasText: 'line 54321 of 100000' })).toBeInViewport()
  expect(await rows.count()).toBeLessThan(200)
  await page.getByTestId('log-search').fill('')

  // A link to a line deep in the log opens the run scrolled there.
  const runUrl = page.url().replace(/#.*$/, '')
  await page.goto(`${runUrl}#L50000`)
  const deep = page.locator('[data-testid=log-row][data-seq="50000"]')
  await expect(deep).toBeInViewport({ timeout: 60_000 })
  await expect(deep).toHaveClass(/target/)

  // Another view answers a click at once.
  const started = Date.now()
  await page.getByTestId('nav-debug').click()
  await expect(page.getByTestId('debug-list')).toBeVisible()
  expect(Date.now() - started).toBeLessThan(2_000)
  await page.getByTestId('nav-tasks').click()
  await expect(page.getByTestId('task-definitions')).toBeVisible()
  expect(Date.now() - started).toBeLessThan(4_000)
})
