// useSocket against a real backend (test-support/vitest-backend.ts starts it): no socket mock.
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { effectScope, watch, type EffectScope } from 'vue'

import { registerUser } from '../../test-support/backend'
import { unitBackend } from '../../test-support/vitest-backend'
import { waitFor } from '../../test-support/wait'
import { configureConnection, getManager, namespaceStates, resetConnections } from '@/lib/connection'
import type { ConnectionStatus } from '@/lib/connection'
import type { PointsFrame } from '@/types/contract'
import { RequestError, useSocket } from './useSocket'

const url = inject('backendUrl')
let token = ''
const scopes: EffectScope[] = []

/** Run `fn` in a fresh effect scope, as a component's setup would. */
function inScope<T>(fn: () => T): { value: T; scope: EffectScope } {
  const scope = effectScope()
  scopes.push(scope)
  return { value: scope.run(fn) as T, scope }
}

function connectTo(serverUrl: string, withToken: () => string | null, onUnauthorized?: () => void) {
  resetConnections()
  configureConnection({
    url: serverUrl,
    token: withToken,
    onUnauthorized,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
  })
}

beforeAll(async () => {
  token = (await registerUser(url, 'sock')).token
})

afterEach(() => {
  while (scopes.length) scopes.pop()?.stop()
  resetConnections()
})

describe('connecting', () => {
  it('connects with the token and reports connecting, then connected', async () => {
    connectTo(url, () => token)
    const seen: ConnectionStatus[] = []
    const { value: charts } = inScope(() => {
      const handle = useSocket('/charts')
      watch(handle.status, (s) => seen.push(s), { immediate: true, flush: 'sync' })
      return handle
    })
    await waitFor(() => charts.connected.value)
    expect(seen).toEqual(['connecting', 'connected'])
    expect(charts.error.value).toBeNull()
  })

  it('is refused without a valid token: error `unauthorized`, the hook runs, no retry', async () => {
    let refusals = 0
    connectTo(url, () => 'not-a-token', () => refusals++)
    const { value: charts } = inScope(() => useSocket('/charts'))
    await waitFor(() => charts.status.value === 'disconnected' && refusals === 1)
    expect(charts.error.value).toBe('unauthorized')
    expect(charts.socket.active).toBe(false)
  })

  it('multiplexes every namespace over one engine connection', async () => {
    connectTo(url, () => token)
    const { value: handles } = inScope(() => [useSocket('/charts'), useSocket('/charts'), useSocket('/nowhere')])
    await waitFor(() => handles[0].connected.value)
    expect(handles[0].socket).toBe(handles[1].socket)
    expect(handles[0].socket.io).toBe(handles[2].socket.io)
    expect(namespaceStates.get('/charts')?.holders).toBe(2)
  })

  it('disconnects a namespace when its last holder is disposed', async () => {
    connectTo(url, () => token)
    const first = inScope(() => useSocket('/charts'))
    const second = inScope(() => useSocket('/charts'))
    await waitFor(() => first.value.connected.value)
    first.scope.stop()
    expect(second.value.socket.connected).toBe(true)
    second.scope.stop()
    expect(second.value.socket.connected).toBe(false)
    expect(namespaceStates.get('/charts')?.status).toBe('disconnected')
  })
})

describe('request', () => {
  it('resolves the success ack', async () => {
    connectTo(url, () => token)
    const { value: charts } = inScope(() => useSocket('/charts'))
    await waitFor(() => charts.connected.value)
    const reply = await charts.request('streams', {})
    expect(reply.ok).toBe(true)
    expect(reply.streams.map((s) => s.name)).toContain('demo.sine')
  })

  it('rejects a failure ack with a RequestError carrying its code', async () => {
    connectTo(url, () => token)
    const { value: charts } = inScope(() => useSocket('/charts'))
    await waitFor(() => charts.connected.value)
    const missing = charts.request('subscribe', { stream: 'no.such.stream' })
    await expect(missing).rejects.toBeInstanceOf(RequestError)
    await expect(missing).rejects.toMatchObject({ code: 'not_found', event: 'subscribe' })
    // A payload the contract refuses is a bad_request, not a crash.
    const bad = charts.request('subscribe', { stream: 42 } as unknown as { stream: string })
    await expect(bad).rejects.toMatchObject({ code: 'bad_request' })
  })

  it('rejects with code `timeout` when no ack arrives in time', async () => {
    connectTo(url, () => token)
    // The server acks every event (even an unknown one, with `not_found`), so
    // the ack is lost on the way instead: the socket drops the ACK packets it gets.
    const { value: charts } = inScope(() => useSocket('/charts'))
    await waitFor(() => charts.connected.value)
    const socket = charts.socket as unknown as { onack(packet: object): void }
    socket.onack = () => {}
    const started = Date.now()
    await expect(charts.request('streams', {}, { timeout: 300 })).rejects.toMatchObject({
      code: 'timeout',
      event: 'streams',
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('rejects at once with code `disconnected` when not connected', async () => {
    connectTo(url, () => token)
    const { value: charts } = inScope(() => useSocket('/charts'))
    await expect(charts.request('streams', {})).rejects.toMatchObject({ code: 'disconnected' })
  })
})

describe('listeners', () => {
  it('are removed when the calling scope is disposed', async () => {
    connectTo(url, () => token)
    const keeper = inScope(() => useSocket('/charts'))
    await waitFor(() => keeper.value.connected.value)
    let kept = 0
    let disposedCount = 0
    keeper.value.on('points', () => kept++)
    const viewer = inScope(() => {
      const handle = useSocket('/charts')
      handle.on('points', () => disposedCount++)
      return handle
    })
    await keeper.value.request('subscribe', { stream: 'demo.sine' })
    await waitFor(() => disposedCount >= 2)
    const listenersBefore = keeper.value.socket.listeners('points').length
    viewer.scope.stop()
    const frozenAt = disposedCount
    const keptAt = kept
    await waitFor(() => kept >= keptAt + 3)
    expect(disposedCount).toBe(frozenAt)
    expect(keeper.value.socket.listeners('points').length).toBe(listenersBefore - 1)
  })
})

describe('re-subscription', () => {
  it('runs onConnect now and again after the connection drops', async () => {
    connectTo(url, () => token)
    const frames: PointsFrame[] = []
    let connects = 0
    const { value: charts } = inScope(() => {
      const handle = useSocket('/charts')
      handle.on('points', (frame) => frames.push(frame))
      handle.onConnect(() => {
        connects++
        void handle.request('subscribe', { stream: 'demo.sine' })
      })
      return handle
    })
    await waitFor(() => connects === 1 && frames.length > 0)
    const seen: ConnectionStatus[] = []
    watch(charts.status, (s) => seen.push(s), { flush: 'sync' })
    getManager().engine.close() // what a dropped network looks like to the client
    await waitFor(() => connects === 2)
    const after = frames.length
    await waitFor(() => frames.length > after)
    expect(seen).toEqual(['reconnecting', 'connected'])
  })

  it('runs onConnect again when the server sends `resync` (after a message-queue outage)', async () => {
    connectTo(url, () => token)
    let runs = 0
    const { value: charts } = inScope(() => {
      const handle = useSocket('/charts')
      handle.onConnect(() => runs++)
      return handle
    })
    await waitFor(() => runs === 1)
    // The packet as the client's parser hands it over when the server emits
    // `resync {reason}` (a Socket.IO EVENT on this namespace); the socket stays connected.
    const socket = charts.socket as unknown as { onpacket(packet: object): void }
    socket.onpacket({ type: 2, nsp: '/charts', data: ['resync', { reason: 'queue' }] })
    await waitFor(() => runs === 2)
    expect(charts.connected.value).toBe(true)
    charts.dispose()
    socket.onpacket({ type: 2, nsp: '/charts', data: ['resync', { reason: 'queue' }] })
    await new Promise((r) => setTimeout(r, 50))
    expect(runs).toBe(2) // removed with the handle
  })

  it('recovers after the server restarts on the same port', async () => {
    const backend = await unitBackend().start()
    try {
      const own = await registerUser(backend.url, 'restart')
      connectTo(backend.url, () => own.token)
      const times: number[] = []
      let connects = 0
      const { value: charts } = inScope(() => {
        const handle = useSocket('/charts')
        handle.on('points', (frame) => times.push(...frame.points.map((p) => p[0])))
        handle.onConnect(() => {
          connects++
          void handle.request('subscribe', { stream: 'demo.sine' })
        })
        return handle
      })
      await waitFor(() => times.length > 0)
      await backend.stop()
      await waitFor(() => charts.status.value === 'reconnecting')
      const stoppedAt = Date.now()
      await backend.start()
      await waitFor(() => connects === 2 && times.some((t) => t > stoppedAt), 20_000)
      expect(charts.status.value).toBe('connected')
    } finally {
      await backend.dispose()
    }
  }, 60_000)
})
