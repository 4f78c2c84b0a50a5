/**
 * `useSocket(namespace)`: a component's handle on one Socket.IO namespace.
 *
 * All namespaces share one Manager (one WebSocket, see lib/connection.ts).
 * Listeners registered through the handle are removed, and the hold on the
 * namespace released, when the calling effect scope (usually a component) is
 * disposed. `onConnect` callbacks run on the first connect, on every
 * reconnect and on every `resync` the server sends (after a message-queue
 * outage, when events may have been lost while the socket stayed connected):
 * that is where a view (re)subscribes, so it recovers by itself.
 */
import type { Socket } from 'socket.io-client'
import { computed, getCurrentScope, onScopeDispose, type ComputedRef } from 'vue'

import { acquire, release, stateOf, type ConnectionStatus } from '@/lib/connection'
import type { ClientErrorCode, ErrorCode, Failure, Namespaces, Success } from '@/types/contract'

export const DEFAULT_TIMEOUT_MS = 10_000

/** The server's "you may have missed events, subscribe again" event, on every namespace. */
export const RESYNC_EVENT = 'resync'

/** A request that failed: a `{ok:false}` ack, a timeout or no connection. */
export class RequestError extends Error {
  readonly code: ErrorCode | ClientErrorCode
  readonly event: string

  constructor(code: ErrorCode | ClientErrorCode, message: string, event: string) {
    super(message)
    this.name = 'RequestError'
    this.code = code
    this.event = event
  }
}

type AnyRequests = Record<string, { payload: unknown; reply: object }>
type AnyEvents = Record<string, unknown>

type RequestsOf<N extends string> = N extends keyof Namespaces ? Namespaces[N]['requests'] : AnyRequests
type EventsOf<N extends string> = N extends keyof Namespaces ? Namespaces[N]['events'] : AnyEvents
type PayloadOf<R, E extends keyof R> = R[E] extends { payload: infer P } ? P : unknown
type ReplyOf<R, E extends keyof R> = R[E] extends { reply: infer A extends object } ? A : object

/** socket.io's Socket with its listener typing loosened to our event maps. */
type Listener = (...args: unknown[]) => void
interface LooseEmitter {
  on(event: string, fn: Listener): unknown
  off(event: string, fn: Listener): unknown
}

export interface RequestOptions {
  /** Milliseconds to wait for the ack before rejecting with code `timeout`. */
  timeout?: number
}

/** What `useSocket` returns. */
export interface SocketHandle<N extends string> {
  readonly namespace: N
  /** The underlying socket, for what the handle does not cover (the Console). */
  readonly socket: Socket
  readonly status: ComputedRef<ConnectionStatus>
  readonly error: ComputedRef<string | null>
  readonly connected: ComputedRef<boolean>
  /** Listen to a server event until the scope ends; returns a function that stops early. */
  on<E extends keyof EventsOf<N> & string>(event: E, fn: (data: EventsOf<N>[E]) => void): () => void
  /** Listen to every incoming event (the Console's view of the wire). */
  onAny(fn: (event: string, ...args: unknown[]) => void): () => void
  /** Run `fn` now if connected, after every (re)connect and on every server `resync`. */
  onConnect(fn: () => void): () => void
  /** Emit `event` and resolve its success ack; reject with a RequestError otherwise. */
  request<E extends keyof RequestsOf<N> & string>(
    event: E,
    payload: PayloadOf<RequestsOf<N>, E>,
    options?: RequestOptions,
  ): Promise<Success<ReplyOf<RequestsOf<N>, E>>>
  /** Release the namespace and remove every listener now (also done on scope dispose). */
  dispose(): void
}

function isFailure(ack: unknown): ack is Failure {
  return typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === false
}

/** Turn an ack into its success value, or throw the RequestError it carries. */
function unwrapAck<T>(event: string, ack: unknown): T {
  if (isFailure(ack)) {
    const code = ack.error?.code ?? 'internal'
    throw new RequestError(code, ack.error?.message ?? code, event)
  }
  return ack as T
}

/**
 * A handle on `namespace` (e.g. `/charts`). Call it in a component's setup or
 * inside an effect scope; the handle is disposed with that scope.
 */
export function useSocket<N extends string>(namespace: N): SocketHandle<N> {
  const socket = acquire(namespace)
  const state = stateOf(namespace)
  const cleanups = new Set<() => void>()
  let disposed = false

  function track(remove: () => void): () => void {
    const once = () => {
      if (cleanups.delete(once)) remove()
    }
    cleanups.add(once)
    return once
  }

  const handle: SocketHandle<N> = {
    namespace,
    socket,
    status: computed(() => state.status),
    error: computed(() => state.error),
    connected: computed(() => state.status === 'connected'),

    on(event, fn) {
      const listener = fn as Listener
      const emitter = socket as unknown as LooseEmitter
      emitter.on(event, listener)
      return track(() => emitter.off(event, listener))
    },

    onAny(fn) {
      socket.onAny(fn)
      return track(() => socket.offAny(fn))
    },

    onConnect(fn) {
      const emitter = socket as unknown as LooseEmitter
      const rerun = () => fn()
      socket.on('connect', fn)
      emitter.on(RESYNC_EVENT, rerun)
      const stop = track(() => {
        socket.off('connect', fn)
        emitter.off(RESYNC_EVENT, rerun)
      })
      if (socket.connected) queueMicrotask(() => cleanups.has(stop) && fn())
      return stop
    },

    async request(event, payload, options = {}) {
      if (!socket.connected) {
        // Rejecting now beats socket.io's buffering: a buffered emit could be
        // delivered long after the caller gave up on it.
        throw new RequestError('disconnected', `not connected to ${namespace}`, event)
      }
      const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS
      let ack: unknown
      try {
        ack = await socket.timeout(timeout).emitWithAck(event, payload)
      } catch {
        throw new RequestError('timeout', `${event} got no reply within ${timeout} ms`, event)
      }
      return unwrapAck(event, ack)
    },

    dispose() {
      if (disposed) return
      disposed = true
      for (const cleanup of [...cleanups]) cleanup()
      release(namespace)
    },
  }

  if (getCurrentScope()) onScopeDispose(handle.dispose)
  return handle
}
