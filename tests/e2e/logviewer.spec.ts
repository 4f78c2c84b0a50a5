import { expect, test } from './support/fixtures'

test('the log viewer hides directives, colours ANSI safely, searches, links to lines and shows timestamps', async ({
  signedIn: page,
}) => {
  await page.goto('/tasks')
  await page.getByTestId('start-colours').click()
  await expect(page).toHaveURL(/\/tasks\/\d+$/)
  await expect(page.getByTestId('task-status')).toHaveText('succeeded', { timeout: 30_000 })
  const rows = page.getByTestId('log-row')
  await expect(rows.filter({ hasText: 'NEEDLE three' })).toBeVisible()

  // Directive lines are hidden by default; the toggle shows them.
  await expect(rows.filter({ hasText: '::step build' })).toHaveCount(0)
  await expect(rows.filter({ hasText: '::progress 50' })).toHaveCount(0)
  await page.getByTestId('log-show-directives').check()
  await expect(rows.filter({ hasText: '::progress 50' })).toHaveCount(1)
  await page.getByTestId('log-show-directives').uncheck()
  await expect(rows.filter({ hasText: '::progress 50' })).toHaveCount(0)

  // ANSI colours become styled text; no escape is shown and markup stays text.
  const red = rows.filter({ hasText: 'red alert' })
  await expect(red).not.toContainText('[31m')
  await expect(red.locator('span[style*="color"]', { hasText: 'red alert' })).toHaveCount(1)
  const markup = rows.filter({ hasText: '<b>not bold</b>' })
  await expect(markup).toBeVisible()
  await expect(markup.locator('b, img')).toHaveCount(0)

  // A long line scrolls sideways to its end: nothing is cut.
  const viewport = page.getByTestId('log-viewport')
  await viewport.evaluate((el) => (el.scrollLeft = el.scrollWidth))
  await expect(page.getByText('END-OF-LONG-LINE')).toBeInViewport()
  await viewport.evaluate((el) => (el.scrollLeft = 0))

  // Search counts matches over the whole log (case-insensitive) and steps through them.
  await page.getByTestId('log-search').fill('needle')
  await expect(page.getByTestId('log-match-count')).toHaveText('1 of 3')
  await page.getByTestId('log-next').click()
  await expect(page.getByTestId('log-match-count')).toHaveText('2 of 3')
  await page.getByTestId('log-search').press('Shift+Enter')
  await expect(page.getByTestId('log-match-count')).toHaveText('1 of 3')
  await expect(rows.locator('mark')).toHaveCount(3)
  await page.getByTestId('log-search').fill('no such text')
  await expect(page.getByTestId('log-match-count')).toHaveText('no match')
  await page.getByTestId('log-search').fill('')

  // Timestamps on demand.
  await expect(page.getByTestId('log-ts')).toHaveCount(0)
  await page.getByTestId('log-show-timestamps').check()
  await expect(page.getByTestId('log-ts').first()).toHaveText(/^\d\d:\d\d:\d\d\.\d{3}$/)
  await page.getByTestId('log-show-timestamps').uncheck()

  // A line's number links to it: the URL says #L<seq>, and opening it shows that line.
  const target = rows.filter({ hasText: 'needle two' })
  const seq = await target.getAttribute('data-seq')
  await target.locator('.seq').click()
  await expect(page).toHaveURL(new RegExp(`#L${seq}$`))
  await page.reload()
  const marked = page.locator(`[data-testid=log-row][data-seq="${seq}"]`)
  await expect(marked).toHaveClass(/target/)
  await expect(marked).toBeInViewport()
})
