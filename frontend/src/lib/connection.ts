/**
 * The one Socket.IO Manager of the app and the per-namespace sockets on it.
 *
 * Every namespace socket is multiplexed over the Manager's single WebSocket.
 * A namespace's socket is connected while at least one `useSocket` caller
 * holds it and disconnected when the last one lets go, which makes the server
 * drop that socket's subscriptions. Its connection state lives here, once,
 * so every component reading it sees the same thing.
 */
import { Manager, type Socket } from 'socket.io-client'
import { reactive } from 'vue'

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected'

/** The observable state of one namespace's socket. */
export interface NamespaceState {
  status: ConnectionStatus
  /** The last connection error's message (`unauthorized`, `websocket error`...), cleared on connect. */
  error: string | null
  /** How many `useSocket` callers hold the socket. */
  holders: number
}

export interface ConnectionOptions {
  /** The server's origin; the page's own origin when omitted (the SPA is served by the backend or nginx). */
  url?: string
  /** Returns the current session token; read on every (re)connect attempt. */
  token: () => string | null
  /** Called when the server refuses a namespace connection as `unauthorized`. */
  onUnauthorized?: () => void
  /** First and longest delay between reconnection attempts, in ms. */
  reconnectionDelay?: number
  reconnectionDelayMax?: number
}

const UNAUTHORIZED = 'unauthorized'

let options: ConnectionOptions = { token: () => null }
let manager: Manager | null = null
const sockets = new Map<string, Socket>()

/** Connection state per namespace, reactive so a header indicator can follow it. */
export const namespaceStates: Map<string, NamespaceState> = reactive(new Map())

/** Set where to connect and how to authenticate; call before the first `useSocket`. */
export function configureConnection(next: ConnectionOptions): void {
  options = next
}

/** The shared Manager, created on first use. */
export function getManager(): Manager {
  if (manager === null) {
    const url = options.url ?? globalThis.location?.origin
    if (!url) throw new Error('configureConnection({url}) is required outside a browser')
    manager = new Manager(url, {
      // WebSocket only: one connection per tab and no polling-to-WebSocket
      // upgrade, so nothing depends on sticky sessions for the handshake.
      transports: ['websocket'],
      autoConnect: false,
      reconnectionDelay: options.reconnectionDelay ?? 500,
      reconnectionDelayMax: options.reconnectionDelayMax ?? 3000,
      randomizationFactor: 0.3,
    })
  }
  return manager
}

/** The state record of `namespace`, created on first use. */
export function stateOf(namespace: string): NamespaceState {
  let state = namespaceStates.get(namespace)
  if (state === undefined) {
    namespaceStates.set(namespace, { status: 'disconnected', error: null, holders: 0 })
    state = namespaceStates.get(namespace) as NamespaceState // the reactive proxy
  }
  return state
}

function createSocket(namespace: string): Socket {
  const socket = getManager().socket(namespace, {
    auth: (cb) => cb({ token: options.token() ?? '' }),
  })
  const state = stateOf(namespace)
  let connectedOnce = false
  socket.on('connect', () => {
    connectedOnce = true
    state.status = 'connected'
    state.error = null
  })
  socket.on('disconnect', (reason) => {
    // `active` stays true when socket.io-client will reconnect by itself.
    state.status = socket.active ? 'reconnecting' : 'disconnected'
    if (reason === 'io server disconnect') state.error = 'the server closed the connection'
  })
  socket.on('connect_error', (err: Error) => {
    state.error = err.message
    if (socket.active) {
      state.status = connectedOnce ? 'reconnecting' : 'connecting'
      return
    }
    // Refused by the server (no retry): a bad or expired token.
    state.status = 'disconnected'
    if (err.message === UNAUTHORIZED) options.onUnauthorized?.()
  })
  return socket
}

/** Take a hold on `namespace`'s socket, connecting it if nobody held it. */
export function acquire(namespace: string): Socket {
  let socket = sockets.get(namespace)
  if (socket === undefined) {
    socket = createSocket(namespace)
    sockets.set(namespace, socket)
  }
  const state = stateOf(namespace)
  state.holders += 1
  if (!socket.active) {
    state.status = 'connecting'
    socket.connect()
  }
  return socket
}

/** Let go of a hold; the last one disconnects the namespace. */
export function release(namespace: string): void {
  const socket = sockets.get(namespace)
  const state = stateOf(namespace)
  state.holders = Math.max(0, state.holders - 1)
  if (socket !== undefined && state.holders === 0) {
    socket.disconnect()
    state.status = 'disconnected'
  }
}

/** Disconnect everything and forget the Manager (on logout, or between tests). */
export function resetConnections(): void {
  for (const socket of sockets.values()) socket.disconnect()
  sockets.clear()
  namespaceStates.clear()
  manager?.engine?.close()
  manager = null
}
