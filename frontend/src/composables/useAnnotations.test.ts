// The pure range logic of the annotation store, then the store itself against the
// real backend: one request for several charts, and pushed annotations.
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { effectScope, type EffectScope } from 'vue'

import { registerUser } from '../../test-support/backend'
import { waitFor } from '../../test-support/wait'
import { setApiBase } from '@/lib/api'
import { resetConnections } from '@/lib/connection'
import type { Annotation } from '@/types/contract'
import { MAX_ANNOTATION_RANGE_MS } from '@/types/contract.limits.gen'
import { afterFetch, covers, extend, missing, ordered, requestRange, union, useAnnotations } from './useAnnotations'
import { connectSessionToSockets, useSession } from './useSession'
import { useSocket } from './useSocket'

function at(id: string, t: number): Annotation {
  return {
    id, kind: 'chat', t, title: id, detail: null, severity: 'info', streams: null,
    link: { kind: 'chat', room: 'general', message_id: 1, path: '/chat/room/general?message=1' },
  }
}

describe('the ranges the store fetches', () => {
  it('joins the ranges of every chart', () => {
    expect(union([])).toBeNull()
    expect(union([{ from: 5, to: 9 }, { from: 1, to: 3 }, { from: 4, to: 12 }])).toEqual({ from: 1, to: 12 })
  })

  it('knows what it holds: past ranges exactly, "now" onwards while pushes follow', () => {
    const loaded = { from: 100, to: 200 }
    expect(covers(null, { from: 100, to: 101 }, true)).toBe(false)
    expect(covers(loaded, { from: 120, to: 200 }, false)).toBe(true)
    expect(covers(loaded, { from: 120, to: 201 }, false)).toBe(false)
    expect(covers(loaded, { from: 120, to: 10_000 }, true)).toBe(true)
    expect(covers(loaded, { from: 99, to: 150 }, true)).toBe(false)
    // Wider than one request can read: what was read of it is all there is.
    const now = 40 * MAX_ANNOTATION_RANGE_MS
    const read = requestRange({ from: 0, to: now }, now)
    expect(covers(read, { from: 0, to: now }, true)).toBe(true)
    expect(covers({ from: 0, to: 10 }, { from: -50, to: 10 }, false)).toBe(true)
  })

  it('pads a request, stops at now and at the widest range the server takes', () => {
    const now = 10_000_000
    expect(requestRange({ from: now - 120_000, to: now }, now)).toEqual({ from: now - 180_000, to: now })
    expect(requestRange({ from: 1_000_000, to: 1_600_000 }, now)).toEqual({ from: 700_000, to: 1_900_000 })
    expect(requestRange({ from: 0, to: 10 }, now)).toEqual({ from: 0, to: 60_010 })
    const far = now * 1000
    const wide = requestRange({ from: 0, to: far }, far)
    expect(wide.to - wide.from).toBe(MAX_ANNOTATION_RANGE_MS)
  })

  it('extends what it loaded when ranges touch, replaces it otherwise', () => {
    expect(extend(null, { from: 5, to: 9 })).toEqual({ from: 5, to: 9 })
    expect(extend({ from: 5, to: 9 }, { from: 8, to: 20 })).toEqual({ from: 5, to: 20 })
    expect(extend({ from: 5, to: 9 }, { from: 30, to: 40 })).toEqual({ from: 30, to: 40 })
  })

  it('after a distant pan, no longer counts the time between it and now as loaded', () => {
    const now = 100 * 86_400_000
    const day = 86_400_000
    let state = afterFetch({ loaded: null, followsNow: false }, requestRange({ from: now - 60_000, to: now }, now), { annotations: [], truncated: false }, now)
    expect(state.followsNow).toBe(true)
    const distant = requestRange({ from: now - 20 * day, to: now - 20 * day + 60_000 }, now)
    state = afterFetch(state, distant, { annotations: [], truncated: false }, now)
    expect(state).toEqual({ loaded: distant, followsNow: false })
    expect(covers(state.loaded, { from: now - 3 * day, to: now - 3 * day + 60_000 }, state.followsNow)).toBe(false)
    // Panning back to live and on to the past from there joins up and follows now again.
    const live = requestRange({ from: now - 60_000, to: now }, now)
    state = afterFetch(state, live, { annotations: [], truncated: false }, now)
    expect(state).toEqual({ loaded: live, followsNow: true })
    state = afterFetch(state, { from: live.from - day, to: live.from }, { annotations: [], truncated: false }, now)
    expect(state).toEqual({ loaded: { from: live.from - day, to: now }, followsNow: true })
  })

  it('counts only the returned part of a truncated answer as loaded, and reads the older part next', () => {
    const now = 1_000_000
    const range = { from: 100_000, to: now }
    const state = afterFetch({ loaded: null, followsNow: false }, range, { annotations: [at('a', 600_000), at('b', 700_000)], truncated: true }, now)
    expect(state).toEqual({ loaded: { from: 600_000, to: now }, followsNow: true })
    expect(covers(state.loaded, { from: 200_000, to: now }, state.followsNow)).toBe(false)
    expect(missing(state, requestRange({ from: 200_000, to: now }, now))).toEqual({ from: 0, to: 600_000 }) // padded
    const older = afterFetch(state, { from: 100_000, to: 600_000 }, { annotations: [at('c', 150_000)], truncated: false }, now)
    expect(older).toEqual({ loaded: { from: 100_000, to: now }, followsNow: true })
    // Every returned annotation at the range's end: nothing older can be read of it.
    const stuck = afterFetch({ loaded: null, followsNow: false }, { from: 0, to: 500 }, { annotations: [at('d', 500)], truncated: true }, now)
    expect(stuck.loaded).toEqual({ from: 0, to: 500 })
    // A range not below what was loaded is asked for as it is.
    expect(missing(state, { from: 650_000, to: now })).toEqual({ from: 650_000, to: now })
    expect(missing({ loaded: null, followsNow: false }, range)).toEqual(range)
  })

  it('orders oldest first and keeps the newest', () => {
    const byId = new Map([at('b', 2), at('a', 2), at('c', 1), at('d', 3)].map((a) => [a.id, a]))
    expect(ordered(byId).map((a) => a.id)).toEqual(['c', 'a', 'b', 'd'])
    expect(ordered(byId, 2).map((a) => a.id)).toEqual(['b', 'd'])
    expect([...byId.keys()].sort()).toEqual(['b', 'd']) // the old ones are dropped from the store too
  })
})

const url = inject('backendUrl')
let scope: EffectScope
let store: ReturnType<typeof useAnnotations>
let poster: Socket
const opened: string[] = []
let requests: { from: number; to: number }[] = []
/** An annotated message posted before the store existed: only a fetch can bring it. */
let earlier: { id: number; ts: number }

beforeAll(async () => {
  setApiBase(url)
  connectSessionToSockets(url)
  await useSession().register(`ann${Date.now().toString(36)}`, 'correct horse battery')
  const other = await registerUser(url, 'poster')
  poster = io(`${url}/chat`, { transports: ['websocket'], auth: { token: other.token } })
  await new Promise<void>((r) => poster.once('connect', () => r()))
  expect((await poster.timeout(5000).emitWithAck('join', { room: 'general' })).ok).toBe(true)
  const posted = (await poster.timeout(5000).emitWithAck('message', {
    room: 'general', text: `before ${Date.now()}`, annotate: true,
  })) as { ok: boolean; message: { id: number; ts: number } }
  expect(posted.ok).toBe(true)
  earlier = posted.message
  scope = effectScope()
  store = scope.run(() => useAnnotations({ navigate: (path) => opened.push(path) }))!
  // Count the store's requests on its own socket (the Manager is shared).
  const charts = scope.run(() => useSocket('/charts'))!
  const emit = charts.socket.emit.bind(charts.socket)
  charts.socket.emit = ((event: string, ...args: unknown[]) => {
    if (event === 'annotations') requests.push(args[0] as { from: number; to: number })
    return emit(event, ...args)
  }) as typeof charts.socket.emit
  await waitFor(() => charts.connected.value, 10_000, '/charts connected')
})

afterAll(() => {
  scope?.stop()
  poster?.disconnect()
  useSession().signOut()
  resetConnections()
})

describe('useAnnotations', () => {
  it('fetches once for every chart, and shows pushed annotations on the charts they belong on', async () => {
    await new Promise((r) => setTimeout(r, 300)) // the connect's own (empty) schedule is over
    expect(store.all().some((a) => a.id === `chat:${earlier.id}`)).toBe(false)
    requests = []
    const now = Date.now()
    const sine = store.sourceFor('demo.sine')
    const cpu = store.sourceFor('system.cpu')
    for (let frame = 0; frame < 10; frame++) {
      sine.visible?.(now - 60_000 + frame, now + frame)
      cpu.visible?.(now - 120_000 + frame, now + frame)
    }
    const id = `chat:${earlier.id}`
    await waitFor(() => sine.list().some((a) => a.id === id), 10_000, 'the fetched annotation')
    expect(requests).toHaveLength(1)
    expect(requests[0].from).toBeLessThanOrEqual(now - 120_000)
    expect(cpu.list().some((a) => a.id === id)).toBe(true)

    // Live: a new annotated message arrives by push; the range reaching now needs no request.
    let told = 0
    const stop = sine.subscribe(() => told++)
    const pushed = (await poster.timeout(5000).emitWithAck('message', {
      room: 'general', text: 'live one', annotate: true,
    })) as { ok: boolean; message: { id: number } }
    await waitFor(() => sine.list().some((a) => a.id === `chat:${pushed.message.id}`), 10_000, 'the pushed one')
    sine.visible?.(Date.now() - 60_000, Date.now())
    await new Promise((r) => setTimeout(r, 400))
    expect(requests).toHaveLength(1)
    expect(told).toBeGreaterThan(0)
    stop()

    const found = sine.list().find((a) => a.id === `chat:${pushed.message.id}`) as Annotation
    store.open(found)
    expect(opened).toEqual([`/chat/room/general?message=${pushed.message.id}`])
  })

  it('after live and a distant pan, reads a range in between', async () => {
    store.sourceFor('demo.sine').gone?.()
    store.sourceFor('system.cpu').gone?.()
    const pan = store.sourceFor('test.pan')
    const day = 86_400_000
    const now = Date.now()
    pan.visible?.(now - 60_000, now)
    await new Promise((r) => setTimeout(r, 400))
    requests = []
    pan.visible?.(now - 20 * day, now - 20 * day + 60_000)
    await waitFor(() => requests.length === 1, 10_000, 'the distant request')
    pan.visible?.(now - 3 * day, now - 3 * day + 60_000)
    await waitFor(() => requests.length === 2, 10_000, 'the request in between')
    expect(requests[1].from).toBeLessThanOrEqual(now - 3 * day)
    expect(requests[1].to).toBeGreaterThanOrEqual(now - 3 * day + 60_000)
  })
})
