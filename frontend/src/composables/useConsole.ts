/**
 * The Console's session: one namespace at a time (switching disposes the
 * previous handle), every outgoing event, its ack and every incoming event
 * recorded in a capped log. The proper version of Socket.IO's test page.
 */
import { effectScope, onScopeDispose, ref, shallowRef, watch, type EffectScope } from 'vue'

import type { ConnectionStatus } from '@/lib/connection'
import { RequestError, useSocket, type SocketHandle } from './useSocket'

export type EntryKind = 'out' | 'ack' | 'fail' | 'in' | 'status'

export interface ConsoleEntry {
  id: number
  at: number
  kind: EntryKind
  namespace: string
  event: string
  data: unknown
}

const MAX_ENTRIES = 300

/** Parse the payload editor's text: `{value}` or `{error}`; empty text sends no payload. */
export function parsePayload(text: string): { value?: unknown; error?: string } {
  if (!text.trim()) return { value: undefined }
  try {
    return { value: JSON.parse(text) }
  } catch (err) {
    return { error: (err as Error).message }
  }
}

export function useConsole(initialNamespace = '/charts') {
  const namespace = ref(initialNamespace)
  const entries = shallowRef<ConsoleEntry[]>([])
  const status = ref<ConnectionStatus>('disconnected')
  const paused = ref(false)
  let handle: SocketHandle<string> | null = null
  let scope: EffectScope | null = null
  let nextId = 1

  function record(kind: EntryKind, event: string, data: unknown, ns = namespace.value) {
    const entry = { id: nextId++, at: Date.now(), kind, namespace: ns, event, data }
    entries.value = [entry, ...entries.value.slice(0, MAX_ENTRIES - 1)]
  }

  function open(name: string) {
    scope?.stop()
    scope = effectScope()
    scope.run(() => {
      const h = useSocket(name)
      handle = h
      h.onAny((event, ...args) => {
        if (!paused.value) record('in', event, args.length === 1 ? args[0] : args)
      })
      watch(
        [h.status, h.error],
        ([s, e]) => {
          status.value = s
          record('status', s, e ? { error: e } : null)
        },
        { immediate: true },
      )
    })
  }

  watch(namespace, (name) => open(name), { immediate: true })
  onScopeDispose(() => scope?.stop())

  /** Emit `event` with `payload` and record the ack (or the failure). */
  async function send(event: string, payload: unknown, timeout = 5000): Promise<void> {
    if (!handle) return
    // The ack may come after a namespace switch: it belongs to the one it was sent on.
    const ns = namespace.value
    record('out', event, payload ?? null, ns)
    try {
      const ack = await handle.request(event, payload as never, { timeout })
      record('ack', event, ack, ns)
    } catch (err) {
      const e = err as RequestError
      record('fail', event, { code: e.code ?? 'error', message: e.message }, ns)
    }
  }

  return {
    namespace,
    entries,
    status,
    paused,
    send,
    clear: () => (entries.value = []),
  }
}
