/**
 * The `/debug` feed, shared by the Debug view and the app-wide toasts: one
 * subscription per tab (re-made on every reconnect), messages deduplicated
 * by id so a repeat only raises its `count`. The list is a frameRef
 * (lib/frameRef): a burst of messages re-renders it once per animation frame.
 */
import { createSharedComposable } from '@vueuse/core'
import { computed, onScopeDispose, shallowRef } from 'vue'

import { cancelFrameTrigger, frameRef, triggerNow, triggerOnFrame } from '@/lib/frameRef'
import type { DebugMessage } from '@/types/contract'
import { useSocket } from './useSocket'

/** How many messages the tab keeps; older ones are dropped. */
export const MAX_DEBUG_MESSAGES = 2000

export type DebugListener = (message: DebugMessage, isNew: boolean) => void

function createDebugFeed() {
  const debug = useSocket('/debug')
  const byId = new Map<number, DebugMessage>()
  const messages = frameRef<DebugMessage[]>([]) // newest last
  const listeners = new Set<DebugListener>()
  const loadError = shallowRef<string | null>(null)
  onScopeDispose(() => cancelFrameTrigger(messages))

  function upsert(message: DebugMessage): boolean {
    const known = byId.get(message.id)
    if (known) {
      Object.assign(known, message)
      return false
    }
    byId.set(message.id, message)
    messages.value.push(message)
    if (messages.value.length > MAX_DEBUG_MESSAGES) {
      for (const old of messages.value.splice(0, messages.value.length - MAX_DEBUG_MESSAGES)) byId.delete(old.id)
    }
    return true
  }

  debug.on('debug', (message) => {
    const isNew = upsert({ ...message })
    triggerOnFrame(messages)
    for (const listener of listeners) listener(message, isNew)
  })

  debug.onConnect(async () => {
    try {
      const reply = await debug.request('subscribe', {})
      for (const message of reply.messages) upsert({ ...message })
      messages.value.sort((a, b) => a.id - b.id)
      triggerNow(messages)
      loadError.value = null
    } catch (err) {
      loadError.value = (err as Error).message
    }
  })

  return {
    messages,
    loadError,
    sources: computed(() => [...new Set(messages.value.map((m) => m.source))].sort()),
    status: debug.status,
    /** Hear every live message (`isNew` is false for a dedupe count update). */
    onMessage(listener: DebugListener): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    clear() {
      byId.clear()
      messages.value = []
    },
  }
}

/** The shared debug feed; alive while any component uses it. */
export const useDebugFeed = createSharedComposable(createDebugFeed)
