/**
 * The server's own view of its health, from `GET /api/health`, polled while
 * the tab is visible (and at once when it becomes visible again). `degraded`
 * with `queue: "down"` means the message queue is unreachable: the socket may
 * stay connected while events from other workers are lost or late.
 */
import { createSharedComposable, useDocumentVisibility, useIntervalFn } from '@vueuse/core'
import { computed, shallowRef, watch } from 'vue'

import { apiRequest } from '@/lib/api'
import type { Health } from '@/types/contract'

/** How often the health check runs while the tab is visible. */
export const HEALTH_POLL_MS = 10_000

function isHealth(body: unknown): body is Health {
  return typeof body === 'object' && body !== null && 'status' in body
}

function createHealth(pollMs = HEALTH_POLL_MS) {
  const health = shallowRef<Health | null>(null)
  /** False when the last check could not reach the server. */
  const reachable = shallowRef(true)
  const visibility = useDocumentVisibility()

  async function check(): Promise<void> {
    try {
      health.value = await apiRequest<Health>('/api/health', { token: null })
      reachable.value = true
    } catch (err) {
      const failure = err as { status?: number; body?: unknown }
      reachable.value = failure.status !== 0
      // A 503 (database down) still carries a body the server meant as health.
      if (isHealth(failure.body)) health.value = failure.body
    }
  }

  const poll = useIntervalFn(check, pollMs, { immediate: false })
  watch(
    visibility,
    (state) => {
      if (state === 'hidden') return poll.pause()
      void check()
      poll.resume()
    },
    { immediate: true },
  )

  return {
    health,
    reachable,
    /** The message queue is down (the server says so). */
    queueDown: computed(() => health.value?.queue === 'down'),
    degraded: computed(() => health.value?.status === 'degraded'),
    check,
  }
}

/** The shared health poller; alive while any component uses it. */
export const useHealth = createSharedComposable(() => createHealth())
