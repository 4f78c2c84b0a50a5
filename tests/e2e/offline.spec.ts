import { Backend } from './support/backend'
import { expect, openAs, registerUser, test } from './support/fixtures'

test('offline: a banner, live-only controls off with the reason, nothing stale shown as live, a page that cannot load offers a retry', async ({
  browser,
}) => {
  // Its own backend: stopped and started again on the same port and database.
  const backend = await new Backend().start()
  try {
    const account = await registerUser(backend.url, 'offline')
    const page = await openAs(browser, backend.url, account, '/tasks')
    await page.getByTestId('start-long-job').click()
    await expect(page.getByTestId('task-status')).toHaveText('running', { timeout: 20_000 })
    await expect(page.getByTestId('log-follow')).toHaveText('Following')
    await expect(page.getByTestId('offline-banner')).toHaveCount(0)

    await backend.stop()
    await expect(page.getByTestId('offline-banner')).toBeVisible()
    await expect(page.getByTestId('offline-banner')).toContainText('Offline')
    // The run's status is the last one known, and the log does not claim to follow.
    await expect(page.getByTestId('task-status')).toHaveAttribute('data-stale', 'true')
    await expect(page.getByTestId('task-status')).toHaveText('running (last known)')
    await expect(page.getByTestId('log-follow')).toHaveText('Not live')
    // Start is off, and the page says why.
    await expect(page.getByTestId('start-pipeline')).toBeDisabled()
    await expect(page.getByTestId('tasks-offline')).toContainText('once the connection is back')
    await expect(page.getByTestId('start-pipeline')).toHaveAttribute('title', /Offline/)

    // The Dashboard says Offline, not Loading.
    await page.getByTestId('nav-dashboard').click()
    await expect(page.getByTestId('streams-offline')).toBeVisible()
    await expect(page.getByText('Loading streams')).toHaveCount(0)

    // A page whose code was never loaded cannot load now: an error with a retry, not silence.
    await page.getByTestId('nav-chat').click()
    await expect(page.getByTestId('route-load-error')).toBeVisible()

    await backend.start()
    await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'connected', { timeout: 20_000 })
    await expect(page.getByTestId('offline-banner')).toHaveCount(0)
    await page.getByTestId('route-retry').click()
    await expect(page).toHaveURL(/\/chat/)
    await expect(page.getByTestId('chat-input')).toBeEnabled()
    await page.context().close()
  } finally {
    await backend.dispose()
  }
})

test('a server that reports its message queue down shows the degraded banner', async ({ signedIn: page }) => {
  // The server side (`queue: "down"`) needs a Redis outage; the SPA's side is its reading of /api/health.
  await page.route('**/api/health', (route) =>
    route.fulfill({ json: { status: 'degraded', queue: 'down', version: 'test' } }),
  )
  await page.goto('/')
  await expect(page.getByTestId('degraded-banner')).toContainText('message queue is down')
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'degraded')
  await page.unroute('**/api/health')
})
