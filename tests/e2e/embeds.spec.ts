import type { Page } from '@playwright/test'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { REPO } from './support/backend'
import { expect, openAs, registerUser, screenshot, test, uniqueName, type Account } from './support/fixtures'
import { expectAccessible } from './support/axe'

/** The few calls of socket.io-client's socket the seeding needs. */
interface SeedSocket {
  once(event: 'connect' | 'connect_error', fn: (err?: Error) => void): void
  timeout(ms: number): { emitWithAck(event: string, data: object): Promise<{ ok: boolean; message?: { id: number }; error?: unknown }> }
  disconnect(): void
}
// The specs live outside frontend/: its socket.io-client, loaded from there.
const { io } = createRequire(join(REPO, 'frontend/package.json'))('socket.io-client') as {
  io: (url: string, options: object) => SeedSocket
}

/** A /chat socket of `account`, joined to `room`. */
async function chatSocket(url: string, account: Account, room: string): Promise<SeedSocket> {
  const socket = io(`${url}/chat`, { transports: ['websocket'], auth: { token: account.token } })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  expect((await socket.timeout(5000).emitWithAck('join', { room })).ok).toBe(true)
  return socket
}

async function post(socket: SeedSocket, data: object): Promise<number> {
  const ack = await socket.timeout(5000).emitWithAck('message', data)
  expect(ack.ok, JSON.stringify(ack)).toBe(true)
  return ack.message!.id
}

/** Start task `name` over REST; its run id. */
async function startRun(page: Page, url: string, account: Account, name: string): Promise<number> {
  const response = await page.request.post(`${url}/api/tasks`, {
    headers: { Authorization: `Bearer ${account.token}` },
    data: { name },
  })
  expect(response.ok(), await response.text()).toBe(true)
  return ((await response.json()) as { task: { id: number } }).task.id
}

async function send(page: Page, text: string) {
  await page.getByTestId('chat-input').fill(text)
  await page.getByTestId('chat-input').press('Enter')
}

test('/chart and /run post live embeds: a chart that moves and a run log tail', async ({ browser, baseURL }) => {
  const url = baseURL as string
  const alice = await registerUser(url, 'alice')
  const bob = await registerUser(url, 'bob')
  const room = uniqueName('embeds').toLowerCase().slice(0, 32)
  const a = await openAs(browser, url, alice, `/chat/room/${room}`)
  const b = await openAs(browser, url, bob, `/chat/room/${room}`)
  await expect(a.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'connected')

  // A command with no valid target is explained, and nothing is posted.
  await send(a, '/chart Not A Stream')
  await expect(a.getByRole('alert')).toContainText('/chart and a stream name')
  await send(a, '/chart no.such.stream')
  await expect(a.getByRole('alert')).toContainText(/no stream named 'no\.such\.stream'/i)
  await expect(a.getByTestId('chat-message')).toHaveCount(0)

  // The attach menu writes the /chart command (one can also type it), and the text goes after it.
  await a.locator('[data-testid=chat-attach] summary').click()
  const choice = a.locator('[data-testid=chat-attach-menu] button[data-stream="demo.sine"]')
  await expect(choice).toBeVisible()
  await expectAccessible(a, 'attach menu')
  await screenshot(a, 'chat-attach-menu')
  await choice.click()
  await expect(a.getByTestId('chat-attach-menu')).toHaveCount(0)
  await expect(a.getByTestId('chat-input')).toHaveValue('/chart demo.sine ')
  await expect(a.getByTestId('chat-input')).toBeFocused()
  await a.getByTestId('chat-input').pressSequentially('the sine, live')
  await a.getByTestId('chat-input').press('Enter')

  // /chart: both users see a live chart of demo.sine in the message, its points growing.
  for (const page of [a, b]) {
    const embed = page.locator('[data-testid=chat-embed][data-kind=stream][data-stream="demo.sine"]')
    await expect(embed).toBeVisible()
    await expect(embed).toHaveAttribute('data-live', 'true')
    await expect(embed.locator('canvas')).toBeVisible()
    await expect(page.getByTestId('chat-text').filter({ hasText: 'the sine, live' })).toBeVisible()
    const chart = embed.getByTestId('chart')
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(2)
    const before = Number(await chart.getAttribute('data-last-time'))
    await expect.poll(async () => Number(await chart.getAttribute('data-last-time'))).toBeGreaterThan(before)
  }

  // /run: the run's status and the tail of its log, live while it runs, and a link to it.
  const runId = await startRun(a, url, alice, 'pipeline')
  await send(a, `/run ${runId}`)
  const run = b.locator(`[data-testid=chat-embed][data-kind=run][data-task="${runId}"]`)
  await expect(run).toBeVisible()
  await expect(run).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 })
  await expect(run.getByTestId('chat-embed-status')).toHaveText('succeeded')
  const tail = run.locator('[data-testid=chat-embed-lines] li')
  await expect.poll(() => tail.count()).toBeGreaterThan(3)
  expect(await tail.count()).toBeLessThanOrEqual(10)
  const seqs = (await tail.evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-seq')))))
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
  await expectAccessible(b, 'chat with embeds')
  await screenshot(b, 'chat-embeds')
  await run.getByTestId('chat-embed-open').click()
  await expect(b).toHaveURL(new RegExp(`/tasks/${runId}$`))
  await expect(b.getByTestId('task-status')).toHaveText('succeeded')

  await a.context().close()
  await b.context().close()
})

test('?message=<id> loads older history until the message is there and highlights it; its chart runs only on screen', async ({
  browser,
  baseURL,
}) => {
  const url = baseURL as string
  const room = uniqueName('history').toLowerCase().slice(0, 32)
  // Six authors of ten messages each and one of the target: no one is rate limited (10 per 10 s).
  const authors = await Promise.all(Array.from({ length: 7 }, () => registerUser(url, 'seed')))
  const sockets = await Promise.all(authors.map((account) => chatSocket(url, account, room)))
  const target = await post(sockets[6], { room, text: 'the spike started here', embed: { kind: 'stream', stream: 'demo.sine' } })
  for (let i = 0; i < 60; i++) await post(sockets[i % 6], { room, text: `later message ${i}` })
  for (const socket of sockets) socket.disconnect()

  const reader = await registerUser(url, 'reader')
  const page = await openAs(browser, url, reader, `/chat/room/${room}?message=${target}`)
  const message = page.locator(`[data-testid=chat-message][data-id="${target}"]`)
  await expect(message).toHaveAttribute('data-highlighted', 'true')
  await expect(message).toHaveAttribute('aria-current', 'true')
  await expect(message).toBeInViewport()
  await expect(message.getByTestId('chat-text')).toHaveText('the spike started here')
  // Older than the join's last 50: pages of history were loaded to reach it.
  expect(await page.getByTestId('chat-message').count()).toBe(61)

  // On screen, its chart is subscribed and moving.
  const embed = message.getByTestId('chat-embed')
  await expect(embed).toHaveAttribute('data-live', 'true')
  await expect.poll(async () => Number(await embed.getByTestId('chart').getAttribute('data-points'))).toBeGreaterThan(1)

  // "Show on chart": the dashboard at the ten minutes around the message.
  const href = await message.getByTestId('chat-show-on-chart').getAttribute('href')
  const [, from, to] = /^\/\?from=(\d+)&to=(\d+)$/.exec(href ?? '') ?? []
  expect(Number(to) - Number(from)).toBe(10 * 60_000)
  await expectAccessible(page, 'chat ?message')

  // Scrolled out of view, the embed lets its subscription go; back on screen it resumes.
  await page.getByTestId('chat-messages').evaluate((el) => (el.scrollTop = el.scrollHeight))
  await expect(embed).toHaveAttribute('data-live', 'false')
  await message.scrollIntoViewIfNeeded()
  await expect(embed).toHaveAttribute('data-live', 'true')

  // An id that is not in this room says so.
  await page.goto(`/chat/room/${room}?message=999999999`)
  await expect(page.getByTestId('chat-link-note')).toHaveText(`Message 999999999 is not in #${room}.`)

  // Narrow: the embed fits the window and the page stays accessible.
  const narrow = await openAs(browser, url, reader, `/chat/room/${room}?message=${target}`, { width: 375, height: 740 })
  const narrowMessage = narrow.locator(`[data-testid=chat-message][data-id="${target}"]`)
  await expect(narrowMessage).toHaveAttribute('data-highlighted', 'true')
  await expect(narrowMessage.locator('canvas')).toBeVisible()
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(1)
  const box = (await narrowMessage.getByTestId('chat-embed').boundingBox())!
  expect(box.x + box.width).toBeLessThanOrEqual(375)
  await expectAccessible(narrow, 'chat ?message at 375 px')
  await screenshot(narrow, 'chat-message-link-375')

  await page.context().close()
  await narrow.context().close()
})
