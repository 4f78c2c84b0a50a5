/**
 * The `/alerts` feed for the Alerts view: the stored alerts and the rules,
 * kept current by `alert` events (upserted by id: an alert can arrive in the
 * subscribe reply and as an event), and `acknowledge(id)` over the socket.
 * It subscribes on every (re)connect and `resync`, so it recovers by itself.
 */
import { computed, ref, shallowRef, triggerRef } from 'vue'

import type { Alert, AlertRule, AlertState } from '@/types/contract'
import { useSocket } from './useSocket'

/** How the list is ordered: what needs a person first, then the newest. */
const STATE_ORDER: Record<AlertState, number> = { firing: 0, pending: 1, resolved: 2 }

/** Resolved alerts the page keeps, as many as the server's list sends (open ones: all). */
export const KEEP_RESOLVED = 200

export function sortAlerts(alerts: Iterable<Alert>): Alert[] {
  return [...alerts].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.id - a.id)
}

/** Drop all but the newest `keep` resolved alerts from `byId` (in place); open ones stay. */
export function trimResolved(byId: Map<number, Alert>, keep = KEEP_RESOLVED): void {
  const resolved = [...byId.values()].filter((a) => a.state === 'resolved').sort((a, b) => b.id - a.id)
  for (const alert of resolved.slice(keep)) byId.delete(alert.id)
}

export function useAlerts() {
  const socket = useSocket('/alerts')
  const byId = shallowRef(new Map<number, Alert>())
  const rules = ref<AlertRule[]>([])
  const loadError = ref<string | null>(null)
  const loaded = ref(false)
  const acking = ref(new Set<number>())
  const ackError = ref<string | null>(null)

  function upsert(alert: Alert) {
    const known = byId.value.get(alert.id)
    // An older copy (a reply read before an event) never overwrites a newer one; an
    // acknowledgement does not move `updated_at`, so at a tie the acknowledged copy wins.
    if (known) {
      const newer = known.updated_at > alert.updated_at
      const tieAcked = known.updated_at === alert.updated_at && known.acked_by && !alert.acked_by
      if (newer || tieAcked) return
    }
    byId.value.set(alert.id, { ...alert })
  }

  socket.on('alert', (alert) => {
    upsert(alert)
    trimResolved(byId.value)
    triggerRef(byId)
  })

  socket.onConnect(async () => {
    try {
      const reply = await socket.request('subscribe', {})
      for (const alert of reply.alerts) upsert(alert)
      trimResolved(byId.value)
      triggerRef(byId)
      rules.value = reply.rules
      loadError.value = null
      loaded.value = true
    } catch (err) {
      loadError.value = (err as Error).message
    }
  })

  async function acknowledge(id: number): Promise<void> {
    acking.value.add(id)
    ackError.value = null
    try {
      const reply = await socket.request('ack', { id })
      upsert(reply.alert)
      triggerRef(byId)
    } catch (err) {
      ackError.value = `Alert #${id} could not be acknowledged: ${(err as Error).message}`
    } finally {
      acking.value.delete(id)
    }
  }

  const alerts = computed(() => sortAlerts(byId.value.values()))
  return {
    alerts,
    rules,
    loaded,
    loadError,
    ackError,
    status: socket.status,
    open: computed(() => alerts.value.filter((a) => a.state !== 'resolved')),
    isAcking: (id: number) => acking.value.has(id),
    acknowledge,
  }
}
