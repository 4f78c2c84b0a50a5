/**
 * The Console's session: one namespace at a time (switching disposes the
 * previous handle), every outgoing event, its ack and every incoming event
 * recorded in a capped log. The proper version of Socket.IO's test page.
 * The log is a frameRef (lib/frameRef): a busy namespace re-renders it once
 * per animation frame.
 */
import { computed, effectScope, onScopeDispose, ref, shallowRef, watch, type EffectScope } from 'vue'

import { cancelFrameTrigger, frameRef, triggerOnFrame } from '@/lib/frameRef'

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
  const entries = frameRef<ConsoleEntry[]>([]) // newest first
  const paused = ref(false)
  const handle = shallowRef<SocketHandle<string> | null>(null)
  const status = computed(() => handle.value?.status.value ?? 'disconnected')
  let scope: EffectScope | null = null
  let nextId = 1

  function record(kind: EntryKind, event: string, data: unknown, ns = namespace.value) {
    const list = entries.value
    list.unshift({ id: nextId++, at: Date.now(), kind, namespace: ns, event, data })
    if (list.length > MAX_ENTRIES) list.length = MAX_ENTRIES
    triggerOnFrame(entries)
  }

  function open(name: string) {
    scope?.stop()
    scope = effectScope()
    handle.value = scope.run(() => {
      const h = useSocket(name)
      h.onAny((event, ...args) => {
        if (!paused.value) record('in', event, args.length === 1 ? args[0] : args)
      })
      watch([h.status, h.error], ([s, e]) => record('status', s, e ? { error: e } : null), { immediate: true })
      return h
    }) ?? null
  }

  watch(namespace, (name) => open(name), { immediate: true })
  onScopeDispose(() => {
    scope?.stop()
    cancelFrameTrigger(entries)
  })

  /** Emit `event` with `payload` and record the ack (or the failure). */
  async function send(event: string, payload: unknown, timeout = 5000): Promise<void> {
    const h = handle.value
    if (!h) return
    // The ack may come after a namespace switch: it belongs to the one it was sent on.
    const ns = namespace.value
    record('out', event, payload ?? null, ns)
    try {
      const ack = await h.request(event, payload as never, { timeout })
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
