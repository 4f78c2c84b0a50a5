/**
 * The app's overall connection state, summarised over every namespace in use,
 * plus what the server says about its message queue (useHealth).
 */
import { computed, ref, watch } from 'vue'

import { namespaceStates, type ConnectionStatus } from '@/lib/connection'
import { useHealth } from './useHealth'

const SEVERITY: ConnectionStatus[] = ['disconnected', 'reconnecting', 'connecting', 'connected']

/** What the header pill and the banner show: a socket status, or `degraded` while connected. */
export type LiveState = ConnectionStatus | 'degraded'

/** The worst status among held namespaces, plus each one's detail. */
export function useConnectionStatus() {
  const health = useHealth()
  const held = computed(() =>
    [...namespaceStates.entries()]
      .filter(([, state]) => state.holders > 0)
      .map(([namespace, state]) => ({ namespace, ...state })),
  )
  const status = computed<ConnectionStatus>(() => {
    const statuses = new Set(held.value.map((s) => s.status))
    return SEVERITY.find((s) => statuses.has(s)) ?? 'disconnected'
  })
  /** Lost after having been live: the data on screen is what arrived before `offlineSince`. */
  const offline = computed(() => status.value === 'reconnecting' || status.value === 'disconnected')
  const offlineSince = ref<number | null>(null)
  watch(
    offline,
    (now) => {
      offlineSince.value = now ? (offlineSince.value ?? Date.now()) : null
      // Back online: ask the server about its queue at once, not at the next poll.
      if (!now) void health.check()
    },
    { immediate: true },
  )
  const state = computed<LiveState>(() =>
    status.value === 'connected' && health.queueDown.value ? 'degraded' : status.value,
  )
  return { status, state, offline, offlineSince, queueDown: health.queueDown, namespaces: held }
}
