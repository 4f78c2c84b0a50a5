/**
 * The annotation click path: a run's start and end are markers on the charts
 * (real buttons), and activating one opens the run's log at the line printed
 * then; from that line, "show on the charts" opens the dashboard around it.
 */
import type { Page } from '@playwright/test'

import { expect, test } from './support/fixtures'
import { expectAccessible } from './support/axe'

/** Start `name` from the Tasks page, wait until it ended; its id. */
async function runTask(page: Page, name: string): Promise<string> {
  await page.goto('/tasks')
  await page.getByTestId(`start-${name}`).click()
  await expect(page).toHaveURL(/\/tasks\/\d+$/)
  const id = page.url().split('/').pop() as string
  await expect(page.getByTestId('task-status')).toHaveText('succeeded', { timeout: 30_000 })
  return id
}

test('a run is a marker on every chart; clicking it opens its log at that line', async ({ signedIn: page }) => {
  const id = await runTask(page, 'pipeline')

  await page.goto('/')
  const sine = page.locator('[data-testid=chart][data-stream="demo.sine"]')
  const start = sine.locator(`[data-testid=chart-marker][data-id="run:${id}:start"]`)
  await expect(start).toBeVisible()
  // A real, named button; runs belong on every chart, not only this one.
  await expect(start).toHaveAttribute('aria-label', new RegExp(`^run #${id} pipeline started at .+: open the run's log`))
  expect(await start.evaluate((el) => el.tagName)).toBe('BUTTON')
  await expect(page.locator(`[data-testid=chart][data-stream="system.cpu"] [data-testid=chart-marker][data-id="run:${id}:start"]`)).toBeVisible()
  const end = sine.locator(`[data-testid=chart-marker][data-id="run:${id}:end"]`)
  await expect(end).toHaveAttribute('data-severity', 'success')
  const t = Number(await start.getAttribute('data-t'))

  // Exposed to assistive technology as a button with that name (not hidden inside the chart).
  await expect(sine.getByRole('button', { name: new RegExp(`^run #${id} pipeline started at`) })).toHaveCount(1)

  // The dashboard with markers on it passes axe as the other pages do (no serious or critical issue).
  await expectAccessible(page, 'charts with markers', '[data-testid=chart]')

  await start.click()
  await expect(page).toHaveURL(new RegExp(`/tasks/${id}\\?at=${t}$`))
  // The first line printed at or after the start: the runner's own "starting" line, scrolled to and highlighted.
  const target = page.locator('[data-testid=log-row].target')
  await expect(target).toHaveCount(1)
  await expect(target).toBeInViewport()
  await expect(target).toContainText(`starting pipeline`)
  await expect(target).toHaveAttribute('data-seq', '1')

  // From that line, "show on the charts" opens the dashboard five minutes either side of it.
  const onChart = page.getByTestId('log-target-on-chart')
  await expect(onChart).toHaveText('Show line 1 on the charts')
  const href = await onChart.getAttribute('href')
  const [, from, to] = /^\/\?from=(\d+)&to=(\d+)$/.exec(href ?? '') ?? []
  expect(Number(to) - Number(from)).toBe(10 * 60 * 1000)

  // The keyboard path: the end marker takes focus and Enter opens the log at its last line.
  await page.goto('/')
  await expect(end).toBeVisible()
  await end.focus()
  await expect(end).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/tasks/${id}\\?at=\\d+$`))
  const last = page.locator('[data-testid=log-row].target')
  await expect(last).toBeInViewport()
  await expect(last).toContainText('succeeded')

  await onChart.click()
  await expect(page).toHaveURL(/\/\?from=\d+&to=\d+$/)
})

test("an alert's transitions are markers on its stream's chart; one opens the alert", async ({
  signedIn: page,
  account,
  baseURL,
}) => {
  const headers = { Authorization: `Bearer ${account.token}` }
  const publish = async (value: number) =>
    expect(
      (await page.request.post(`${baseURL}/api/streams/e2e.alerts.load/points`, { headers, data: { value } })).status(),
    ).toBe(202)
  try {
    await publish(5) // the stream exists (the picker lists it) before the dashboard opens
    await page.goto('/')
    await page.locator('[data-testid=stream-picker] [data-stream="e2e.alerts.load"]').click()
    const chart = page.locator('[data-testid=chart][data-stream="e2e.alerts.load"]')
    await expect(chart).toBeVisible()
    await publish(90)
    // The rule fires a second later (for = 1), after the newest point: a chart ends at its newest
    // point, so the marker shows once the next point brings the chart to that time.
    await expect
      .poll(async () => {
        const body = await (await page.request.get(`${baseURL}/api/alerts`, { headers })).json()
        return body.alerts.some((a: { rule: string; state: string }) => a.rule === 'e2e-load' && a.state === 'firing')
      }, { timeout: 20_000 })
      .toBe(true)
    await publish(91)
    const firing = chart.locator('[data-testid=chart-marker][data-kind=alert][data-id$=":firing"]').last()
    await expect(firing).toBeVisible({ timeout: 20_000 })
    await expect(firing).toHaveAttribute('data-severity', 'critical')
    const id = /^alert:(\d+):firing$/.exec((await firing.getAttribute('data-id')) ?? '')?.[1]
    expect(id).toBeTruthy()
    // On its own stream's chart only.
    await expect(page.locator(`[data-testid=chart][data-stream="demo.sine"] [data-id="alert:${id}:firing"]`)).toHaveCount(0)

    await firing.click()
    await expect(page).toHaveURL(new RegExp(`/alerts\\?alert=${id}$`))
    const row = page.locator(`[data-testid=alert-row][data-id="${id}"]`)
    await expect(row).toHaveClass(/target/)
    await expect(row).toBeInViewport()
    await expect(row).toHaveAttribute('aria-current', 'true')
  } finally {
    await publish(10) // never leave the rule firing for the specs after this one
  }
})
