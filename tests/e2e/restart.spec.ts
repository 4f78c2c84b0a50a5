import { Backend } from './support/backend'
import { expect, openAs, registerUser, test } from './support/fixtures'

test('the app survives a backend restart without a reload', async ({ browser }) => {
  // Its own backend: this test stops it, then starts it again on the same
  // port with the same database and SECRET_KEY, so tokens stay valid.
  const backend = await new Backend().start()
  try {
    const account = await registerUser(backend.url, 'restart')
    const page = await openAs(browser, backend.url, account, '/')
    const indicator = page.getByTestId('connection-indicator')
    const sine = page.locator('[data-testid=chart][data-stream="demo.sine"]')
    const lastTime = async () => Number(await sine.getAttribute('data-last-time'))
    await expect(indicator).toHaveAttribute('data-status', 'connected')
    await expect.poll(lastTime).toBeGreaterThan(0)
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true))

    await backend.stop()
    await expect(indicator).toHaveAttribute('data-status', 'reconnecting')
    await expect(indicator).toHaveText(/Reconnecting/)
    const downAt = Date.now()

    await backend.start()
    await expect(indicator).toHaveAttribute('data-status', 'connected', { timeout: 20_000 })
    // The chart re-subscribed by itself: points newer than the outage arrive.
    await expect.poll(lastTime, { timeout: 15_000 }).toBeGreaterThan(downAt)

    // Other views work on the same page (no reload happened): chat joins and posts.
    await page.getByTestId('nav-chat').click()
    const text = `back after the restart ${Date.now()}`
    await page.getByTestId('chat-input').fill(text)
    await page.getByTestId('chat-input').press('Enter')
    await expect(page.getByTestId('chat-text').filter({ hasText: text })).toBeVisible()
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    await page.context().close()
  } finally {
    await backend.dispose()
  }
})
