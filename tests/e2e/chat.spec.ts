import { expect, openAs, registerUser, screenshot, test } from './support/fixtures'

test('two users chat in a room, and a DM brings a toast and an unread badge', async ({ browser, baseURL }) => {
  const url = baseURL as string
  const alice = await registerUser(url, 'alice')
  const bob = await registerUser(url, 'bob')
  const a = await openAs(browser, url, alice, '/chat/room/general')
  const b = await openAs(browser, url, bob, '/chat/room/general')

  // Each sees the other online in #general.
  await expect(a.locator(`[data-testid=chat-members] [data-member="${bob.user.username}"]`)).toHaveAttribute('data-online', 'true')
  await expect(b.locator(`[data-testid=chat-members] [data-member="${alice.user.username}"]`)).toHaveAttribute('data-online', 'true')

  // A posts; B sees it without a reload.
  const hello = `hello from alice ${Date.now()}`
  await a.getByTestId('chat-input').fill(hello)
  await a.getByTestId('chat-input').press('Enter')
  await expect(b.getByTestId('chat-text').filter({ hasText: hello })).toBeVisible()

  // Markup is text: shown literally, never parsed or run.
  const markup = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold</b>`
  await a.getByTestId('chat-input').fill(markup)
  await a.getByTestId('chat-send').click()
  const shown = b.getByTestId('chat-text').filter({ hasText: '<script>' })
  await expect(shown).toHaveText(markup)
  await expect(shown.locator('script, img, b')).toHaveCount(0)
  expect(await b.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()

  // B leaves the chat; A writes B a direct message.
  await b.getByTestId('nav-dashboard').click()
  await a.locator(`[data-testid=chat-members] [data-member="${bob.user.username}"] button`).click()
  await expect(a).toHaveURL(new RegExp(`/chat/dm/${bob.user.username}$`))
  const secret = `psst, bob ${Date.now()}`
  await a.getByTestId('chat-input').fill(secret)
  await a.getByTestId('chat-input').press('Enter')
  await expect(a.getByTestId('chat-text').filter({ hasText: secret })).toBeVisible()

  const toast = b.locator('[data-testid=toast]', { hasText: `${alice.user.username} sent you a message` })
  await expect(toast).toBeVisible()
  await expect(toast).toContainText(secret)
  await expect(b.getByTestId('chat-unread-total')).toHaveText('1')

  // A room message while B is away counts too.
  await a.locator('[data-testid=chat-rooms] [data-room=general]').click()
  await a.getByTestId('chat-input').fill(`anyone around, @${bob.user.username}?`)
  await a.getByTestId('chat-input').press('Enter')
  await expect(b.getByTestId('chat-unread-total')).toHaveText('2')
  await expect(b.locator('[data-testid=toast]', { hasText: 'mentioned you in #general' })).toBeVisible()
  await screenshot(a, 'chat')

  // Opening the conversation shows the DM and clears its badge.
  await b.getByTestId('nav-chat').click()
  const dmEntry = b.locator(`[data-testid=chat-dms] [data-peer="${alice.user.username}"]`)
  await expect(dmEntry.getByTestId('unread')).toHaveText('1')
  await dmEntry.click()
  await expect(b.getByTestId('chat-text').filter({ hasText: secret })).toBeVisible()
  await expect(dmEntry.getByTestId('unread')).toHaveCount(0)
  await expect(b.getByTestId('chat-unread-total')).toHaveCount(0)

  await a.context().close()
  await b.context().close()
})
