// useStreamEmbed and useRunEmbed against the real backend (tasks from test-support/vitest-backend.ts).
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { effectScope, nextTick, ref, type EffectScope } from 'vue'

import { registerUser } from '../../test-support/backend'
import { waitFor } from '../../test-support/wait'
import { configureConnection, resetConnections } from '@/lib/connection'
import { useRunEmbed } from './useRunEmbed'
import { useSocket } from './useSocket'
import { useStreamEmbed } from './useStreamEmbed'
import { useTasks } from './useTasks'

const url = inject('backendUrl')
let token = ''
let scope: EffectScope

beforeAll(async () => {
  token = (await registerUser(url, 'embeds')).token
})

function connect() {
  resetConnections()
  configureConnection({ url, token: () => token, reconnectionDelay: 100, reconnectionDelayMax: 300 })
  scope = effectScope()
}

afterEach(() => {
  scope.stop()
  resetConnections()
})

/** How many sockets subscribe to `stream`, cluster-wide, as the REST list says. */
async function subscribers(stream: string): Promise<number> {
  const response = await fetch(`${url}/api/streams`, { headers: { Authorization: `Bearer ${token}` } })
  const body = (await response.json()) as { streams: { name: string; subscribers: number }[] }
  return body.streams.find((s) => s.name === stream)?.subscribers ?? -1
}

async function eventually(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('useStreamEmbed', () => {
  // First in the file: the stream list is not read yet, so subscribing waits for it.
  it('leaves no subscription when the embed leaves the screen while it reads the stream list', async () => {
    connect()
    const visible = ref(false)
    const [embed, charts] = scope.run(() => [useStreamEmbed('demo.sine', visible), useSocket('/charts')] as const)!
    await waitFor(() => charts.connected.value, 10_000, '/charts connected')
    await eventually(async () => (await subscribers('demo.sine')) === 0, 'no subscriber yet')
    visible.value = true
    await nextTick() // subscribe() starts: it asks for the stream list first
    visible.value = false
    await nextTick() // release() before the list's answer: nothing to hold any more
    await waitFor(() => embed.info.value.label !== 'demo.sine', 10_000, 'the stream list')
    await new Promise((r) => setTimeout(r, 500))
    expect(await subscribers('demo.sine')).toBe(0)
    expect(embed.live.value).toBe(false)
  })

  it('subscribes only while some embed of the stream is visible, and shares one subscription', async () => {
    connect()
    const first = ref(false)
    const second = ref(false)
    const [a, b] = scope.run(() => [useStreamEmbed('demo.random', first), useStreamEmbed('demo.random', second)])!
    await new Promise((r) => setTimeout(r, 300))
    expect(await subscribers('demo.random')).toBe(0) // nothing on screen: no subscription
    expect(a.live.value).toBe(false)

    first.value = true
    second.value = true
    await waitFor(() => a.window.value.length > 0 && b.window.value.length > 0, 10_000, 'points in both')
    expect(a.info.value.label).not.toBe('demo.random') // the stream list's label
    expect(await subscribers('demo.random')).toBe(1) // one socket

    first.value = false // the other still shows it: the subscription stays
    await new Promise((r) => setTimeout(r, 300))
    expect(await subscribers('demo.random')).toBe(1)
    const seen = b.window.value.length
    await waitFor(() => b.window.value.length > seen, 10_000, 'more points')

    second.value = false
    await eventually(async () => (await subscribers('demo.random')) === 0, 'the unsubscribe')
    expect(b.live.value).toBe(false)
  }, 30_000)

  it('says when the stream is unknown', async () => {
    connect()
    const embed = scope.run(() => useStreamEmbed('no.such.stream', ref(true)))!
    await waitFor(() => embed.error.value !== null, 10_000, 'the error')
    expect(embed.error.value).toMatch(/no stream named/i)
  })
})

describe('useRunEmbed', () => {
  it("shows a long finished run's last lines, directives left out", async () => {
    connect()
    const tasks = scope.run(() => useTasks())!
    await waitFor(() => tasks.definitions.value.length > 0)
    const run = await tasks.start('flood-12k')
    await waitFor(() => tasks.runs.value.find((r) => r.id === run.id)?.status === 'succeeded', 60_000, 'the run')
    const lineCount = tasks.runs.value.find((r) => r.id === run.id)?.line_count ?? 0

    const embed = scope.run(() => useRunEmbed(run.id, ref(true)))!
    await waitFor(() => embed.lines.value.length === 10, 10_000, 'the tail')
    expect(embed.task.value?.status).toBe('succeeded')
    const seqs = embed.lines.value.map((l) => l.seq)
    expect(seqs.at(-1)).toBe(lineCount)
    // The newest lines, in order; directives (`::progress`) are left out, as in the log viewer.
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(seqs[0]).toBeGreaterThan(lineCount - 40)
    expect(embed.lines.value.some((l) => l.text.startsWith('::'))).toBe(false)
  }, 90_000)

  it('follows a live run while visible', async () => {
    connect()
    const tasks = scope.run(() => useTasks())!
    await waitFor(() => tasks.definitions.value.length > 0)
    const run = await tasks.start('slow-pipeline')
    const embed = scope.run(() => useRunEmbed(run.id, ref(true)))!
    await waitFor(() => embed.task.value?.status === 'succeeded', 60_000, 'the run to end')
    await waitFor(() => embed.lines.value.at(-1)?.seq === tasks.runs.value.find((r) => r.id === run.id)?.line_count, 10_000, 'the last line')
    expect(embed.lines.value.length).toBeLessThanOrEqual(10)
    expect(embed.lines.value.some((l) => l.text.startsWith('::'))).toBe(false)
  }, 90_000)

  it('says when the run is unknown', async () => {
    connect()
    const embed = scope.run(() => useRunEmbed(987_654, ref(true)))!
    await waitFor(() => embed.error.value !== null, 10_000, 'the error')
    expect(embed.error.value).toMatch(/no task with id/i)
  })
})
