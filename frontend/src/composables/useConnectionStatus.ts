/** The app's overall connection state, summarised over every namespace in use. */
import { computed } from 'vue'

import { namespaceStates, type ConnectionStatus } from '@/lib/connection'

const SEVERITY: ConnectionStatus[] = ['disconnected', 'reconnecting', 'connecting', 'connected']

/** The worst status among held namespaces, plus each one's detail. */
export function useConnectionStatus() {
  const held = computed(() =>
    [...namespaceStates.entries()]
      .filter(([, state]) => state.holders > 0)
      .map(([namespace, state]) => ({ namespace, ...state })),
  )
  const status = computed<ConnectionStatus>(() => {
    const statuses = new Set(held.value.map((s) => s.status))
    return SEVERITY.find((s) => statuses.has(s)) ?? 'disconnected'
  })
  return { status, namespaces: held }
}
