import { expect, openAs, registerUser, screenshot, test } from './support/fixtures'
import { expectAccessible } from './support/axe'

/**
 * The acknowledge path: a published point crosses the e2e rule's threshold
 * (tests/e2e/support/alerts.toml), the Alerts page shows it pending then
 * firing, one user acknowledges it from the board, and every open board
 * (another user's too) shows who did; back below `clear` it resolves.
 */
test('an alert fires, is acknowledged from the board, and resolves', async ({
  signedIn: page,
  account,
  baseURL,
  browser,
}) => {
  const headers = { Authorization: `Bearer ${account.token}` }
  const publish = async (value: number) =>
    expect(
      (await page.request.post(`${baseURL}/api/streams/e2e.alerts.load/points`, { headers, data: { value } }))
        .status(),
    ).toBe(202)

  await page.goto('/alerts')
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'connected')
  await expect(page.getByTestId('alert-rules')).toContainText('e2e-load')
  const other = await registerUser(baseURL as string, 'e2e')
  const watcher = await openAs(browser, baseURL as string, other, '/alerts')

  try {
    await publish(90)
    const firing = page.locator('[data-testid=alert-row][data-rule=e2e-load][data-state=firing]').first()
    await expect(firing).toBeVisible({ timeout: 20_000 })
    await expect(firing.getByTestId('alert-state')).toHaveText('firing')
    const id = await firing.getAttribute('data-id')

    const row = page.locator(`[data-testid=alert-row][data-id="${id}"]`)
    await row.getByRole('button', { name: `Acknowledge alert ${id} e2e-load` }).click()
    await expect(row.getByTestId('alert-ack')).toContainText(`by ${account.user.username}`)
    await expect(row.getByTestId('alert-ack')).toContainText('board')
    // Pushed to everyone's board, not only to the one who clicked.
    const seen = watcher.locator(`[data-testid=alert-row][data-id="${id}"]`)
    await expect(seen.getByTestId('alert-ack')).toContainText(`by ${account.user.username}`)
    await expect(seen.getByRole('button', { name: /Acknowledge/ })).toHaveCount(0)

    const stored = await (await page.request.get(`${baseURL}/api/alerts/${id}`, { headers })).json()
    expect(stored.alert.acked_by).toBe(account.user.username)
    expect(stored.events.map((e: { kind: string }) => e.kind)).toEqual(['pending', 'firing', 'acknowledged'])
    await screenshot(page, 'alerts')
    // No serious or critical axe violation with a firing, acknowledged alert on the page.
    await expectAccessible(page, 'alerts')

    // 45 is under the threshold but over `clear`: still firing (hysteresis); 10 resolves it.
    await publish(45)
    await page.waitForTimeout(2_000)
    await expect(row).toHaveAttribute('data-state', 'firing')
    await publish(10)
    await expect(row).toHaveAttribute('data-state', 'resolved', { timeout: 20_000 })
    await expect(seen).toHaveAttribute('data-state', 'resolved')
  } finally {
    await publish(10) // never leave the rule firing for the specs after this one
    await watcher.context().close()
  }
})
