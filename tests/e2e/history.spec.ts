import type { Page } from '@playwright/test'

import { expect, openAs, screenshot, test, uniqueName, type Account } from './support/fixtures'
import { expectAccessible } from './support/axe'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** A published stream holding one point every `everyMs` over `[from, to)`: a ramp, so any view has data. */
async function seedStream(page: Page, baseURL: string, account: Account, from: number, to: number, everyMs: number): Promise<string> {
  const stream = `e2e.hist.${uniqueName('s').toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 64)
  const points: [number, number][] = []
  for (let t = from; t < to; t += everyMs) points.push([t, ((t - from) / (to - from)) * 100])
  const headers = { Authorization: `Bearer ${account.token}` }
  const published = await page.request.post(`${baseURL}/api/streams/${stream}/points`, { headers, data: { points } })
  expect(published.status()).toBe(202)
  // The server writes stored points about once a second: wait until both ends are stored.
  const storedIn = async (low: number, high: number) => {
    const response = await page.request.get(`${baseURL}/api/streams/${stream}/history`, {
      headers,
      params: { from: low, to: high, max_points: 5000 },
    })
    return response.ok() ? ((await response.json()) as { points: unknown[] }).points.length : -1
  }
  const last = points[points.length - 1][0]
  await expect.poll(async () => [await storedIn(from, from + 99 * everyMs), await storedIn(last - 99 * everyMs, last)]).toEqual([100, 100])
  return stream
}

/** Show only `streams` on the Dashboard (the picker's stored selection), before any page script runs. */
async function select(page: Page, streams: string[]) {
  await page.addInitScript((names) => {
    localStorage.setItem('pulseboard.dashboard.streams', JSON.stringify(names))
  }, streams)
}

function rangeOf(page: Page): { from: number; to: number } | null {
  const url = new URL(page.url())
  if (!url.searchParams.has('from')) return null
  return { from: Number(url.searchParams.get('from')), to: Number(url.searchParams.get('to')) }
}

const attr = async (page: Page, stream: string, name: string) =>
  Number(await page.locator(`[data-testid=chart][data-stream="${stream}"]`).getAttribute(name))

test('a range in the URL shows stored history on every chart; zoom, pan and Live change it', async ({
  signedIn: page,
  account,
  baseURL,
}) => {
  const now = Date.now()
  const from = now - 3 * HOUR
  const to = now - 2 * HOUR
  // One point a second: the live window (the 600 newest) holds the last 10 min, after the views below.
  const stream = await seedStream(page, baseURL as string, account, from - 30 * MINUTE, to + 30 * MINUTE, 1000)
  await select(page, [stream, 'demo.sine'])

  await page.goto(`/?from=${from}&to=${to}`)
  const chart = page.locator(`[data-testid=chart][data-stream="${stream}"]`)
  const sine = page.locator('[data-testid=chart][data-stream="demo.sine"]')
  await expect(chart).toHaveAttribute('data-following', 'false')
  await expect(chart).toHaveAttribute('data-view-from', String(from))
  await expect(chart).toHaveAttribute('data-view-to', String(to))
  // The hour in view (3601 points) comes back averaged to about the plot's width (~460 px).
  await expect.poll(() => attr(page, stream, 'data-history-points')).toBeGreaterThan(100)
  expect(await attr(page, stream, 'data-history-points')).toBeLessThan(1000)
  const firstStep = await attr(page, stream, 'data-history-step')
  expect(firstStep).toBeGreaterThan(3000)
  await expect(chart.getByTestId('chart-history')).toBeVisible()
  await expect(page.getByTestId('range-live')).toBeEnabled()
  // The range bar keeps the Dashboard clean for axe (no serious or critical violation).
  await expectAccessible(page, 'dashboard at a fixed range')

  // Live points keep arriving into the sine's buffer, but its view stays where the URL put it
  // (the sine was not watched three hours ago: nothing stored there, and the chart says so).
  await expect(sine).toHaveAttribute('data-view-from', String(from))
  await expect(sine.getByTestId('chart-empty-range')).toBeVisible()
  const before = await attr(page, 'demo.sine', 'data-points')
  await expect.poll(() => attr(page, 'demo.sine', 'data-points')).toBeGreaterThan(before + 5)
  await expect(sine).toHaveAttribute('data-view-from', String(from))
  await expect(sine).toHaveAttribute('data-view-to', String(to))

  // Drag across the middle half of the plot: every chart and the URL show that range.
  const over = chart.locator('.u-over')
  const box = (await over.boundingBox())!
  const y = box.y + box.height / 2
  await page.mouse.move(box.x + box.width * 0.25, y)
  await page.mouse.down()
  await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 })
  await page.mouse.move(box.x + box.width * 0.75, y, { steps: 4 })
  await page.mouse.up()
  await expect.poll(() => rangeOf(page)?.to ?? 0).toBeLessThan(to - 0.2 * HOUR)
  const zoomed = rangeOf(page)!
  const span = to - from
  expect(Math.abs(zoomed.from - (from + span / 4))).toBeLessThan(span * 0.03)
  expect(Math.abs(zoomed.to - (from + (3 * span) / 4))).toBeLessThan(span * 0.03)
  await expect(chart).toHaveAttribute('data-view-from', String(zoomed.from))
  await expect(sine).toHaveAttribute('data-view-from', String(zoomed.from))
  // A finer view than the first fetch: fetched again, in buckets half as wide.
  await expect.poll(() => attr(page, stream, 'data-history-step')).toBeLessThan(firstStep * 0.6)
  expect(await attr(page, stream, 'data-history-step')).toBeGreaterThan(0)
  await screenshot(page, 'dashboard-history')
  // The URL was replaced, not pushed: Back leaves the Dashboard's first URL behind too.
  expect(await page.evaluate(() => history.length)).toBeLessThanOrEqual(2)

  // Back by half the range, from the keyboard; forward returns to it.
  await page.getByTestId('range-back').focus()
  await page.keyboard.press('Enter')
  await expect.poll(() => rangeOf(page)?.from).toBe(zoomed.from - (zoomed.to - zoomed.from) / 2)
  await page.getByTestId('range-forward').click()
  await expect.poll(() => rangeOf(page)?.from).toBe(zoomed.from)
  // Zoom in and out around the middle, from the keyboard too.
  await page.getByTestId('range-zoom-in').focus()
  await page.keyboard.press('Enter')
  const zoomedSpan = zoomed.to - zoomed.from
  await expect.poll(() => { const r = rangeOf(page)!; return Math.abs(r.to - r.from - zoomedSpan / 2) <= 2 }).toBe(true)
  await page.getByTestId('range-zoom-out').click()
  await expect.poll(() => { const r = rangeOf(page)!; return Math.abs(r.from - zoomed.from) + Math.abs(r.to - zoomed.to) <= 4 }).toBe(true)

  // The range survives a reload (it is the URL).
  const shown = rangeOf(page)!
  await page.reload()
  await expect(chart).toHaveAttribute('data-view-from', String(shown.from))

  // Live: the range leaves the URL and the charts follow the newest point again.
  await page.getByTestId('range-live').click()
  await expect.poll(() => rangeOf(page)).toBeNull()
  await expect(sine).toHaveAttribute('data-following', 'true')
  await expect(page.getByTestId('range-live')).toBeDisabled()
  await expect.poll(async () => (await attr(page, 'demo.sine', 'data-view-to')) > Date.now() - 10_000).toBe(true)
})

test('following live draws the stored last hours under the live window, over each preset', async ({
  signedIn: page,
  account,
  baseURL,
}) => {
  const now = Date.now()
  const stream = await seedStream(page, baseURL as string, account, now - 5 * HOUR, now - MINUTE, 5000)
  await select(page, [stream])
  await page.goto('/')
  const chart = page.locator(`[data-testid=chart][data-stream="${stream}"]`)
  await expect(chart).toHaveAttribute('data-following', 'true')
  // On mount the chart loads the last hour, whatever its own window shows: the live window holds
  // the 600 newest points (50 min at one every 5 s), history the ten minutes before them.
  await expect.poll(() => attr(page, stream, 'data-history-points')).toBeGreaterThan(30)
  await expect(chart.getByTestId('chart-history')).toBeVisible()

  for (const [preset, hours] of [['6h', 6], ['1h', 1], ['24h', 24]] as const) {
    await page.getByTestId(`range-preset-${preset}`).click()
    await expect(page.getByTestId(`range-preset-${preset}`)).toHaveAttribute('aria-pressed', 'true')
    await expect.poll(() => attr(page, stream, 'data-axis-span')).toBe(hours * 3600)
    expect(rangeOf(page)).toBeNull()
  }
  // Six hours back: the five stored ones are there (averaged), drawn from the first of them on.
  await page.getByTestId('range-preset-6h').click()
  await expect.poll(() => attr(page, stream, 'data-history-points')).toBeGreaterThan(100)
  await expect(chart.getByTestId('chart-history')).toBeVisible()
})

test('an invalid range in the URL is ignored: the Dashboard follows live', async ({ signedIn: page }) => {
  for (const query of ['from=abc&to=5', `from=${Date.now()}&to=${Date.now() - HOUR}`, 'from=1&to=99999999999999999999']) {
    await page.goto(`/?${query}`)
    const sine = page.locator('[data-testid=chart][data-stream="demo.sine"]')
    await expect(sine).toHaveAttribute('data-following', 'true')
    await expect(page.getByTestId('range-text')).toHaveText('Live')
    await expect(page.getByTestId('range-live')).toBeDisabled()
  }
})

test('the range bar fits a 360 px screen', async ({ browser, baseURL, account }) => {
  const now = Date.now()
  const page = await openAs(browser, baseURL as string, account, `/?from=${now - HOUR}&to=${now}`, { width: 360, height: 740 })
  await expect(page.getByTestId('range-bar')).toBeVisible()
  await expect(page.locator('[data-testid=chart][data-stream="demo.sine"]')).toHaveAttribute('data-following', 'false')
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(1)
  const bar = (await page.getByTestId('range-bar').boundingBox())!
  expect(bar.x + bar.width).toBeLessThanOrEqual(360)
  await page.getByTestId('range-live').click()
  await expect(page.locator('[data-testid=chart][data-stream="demo.sine"]')).toHaveAttribute('data-following', 'true')
  await page.context().close()
})
