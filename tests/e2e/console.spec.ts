import { expect, screenshot, test } from './support/fixtures'

test('the Console emits an event and shows its ack and incoming events', async ({ signedIn: page }) => {
  await page.goto('/console')
  await expect(page.getByTestId('console-status')).toHaveText('connected')

  await page.getByTestId('console-event').fill('streams')
  await page.getByTestId('console-payload').fill('{}')
  await page.getByTestId('console-send').click()
  const ack = page.locator('[data-testid=console-log] li[data-kind=ack][data-event=streams]')
  await expect(ack).toHaveCount(1)
  await expect(ack).toContainText('"ok":true')
  await expect(ack).toContainText('demo.sine')

  // A refused payload comes back as an error ack with its code.
  await page.getByTestId('console-event').fill('subscribe')
  await page.getByTestId('console-payload').fill('{"stream": "no.such.stream"}')
  await page.getByTestId('console-send').click()
  await expect(page.locator('[data-testid=console-log] li[data-kind=fail][data-event=subscribe]')).toContainText('not_found')

  // Subscribing shows the pushed `points` frames as incoming events.
  await page.getByTestId('console-payload').fill('{"stream": "demo.sine"}')
  await page.getByTestId('console-send').click()
  await expect(page.locator('[data-testid=console-log] li[data-kind=in][data-event=points]').first()).toBeVisible()

  // Invalid JSON is caught before anything is sent.
  await page.getByTestId('console-payload').fill('{"stream": ')
  await expect(page.getByTestId('console-json-error')).toBeVisible()
  await expect(page.getByTestId('console-send')).toBeDisabled()
  await page.getByTestId('console-payload').fill('{"stream": "demo.sine"}')
  await screenshot(page, 'console')

  // Another namespace: /chat answers `join`.
  await page.getByTestId('console-namespace').selectOption('/chat')
  await expect(page.getByTestId('console-status')).toHaveText('connected')
  await page.getByTestId('console-event').fill('join')
  await page.getByTestId('console-payload').fill('{"room": "general"}')
  await page.getByTestId('console-send').click()
  await expect(page.locator('[data-testid=console-log] li[data-kind=ack][data-event=join]')).toContainText('"room":"general"')
})
