/**
 * A server subscription held while something is on screen, shared by every
 * holder of the same key (chat embeds: a stream's chart, a run's log tail).
 * The first holder subscribes, the last to leave unsubscribes; a holder
 * subscribes again after every (re)connect while visible. Each subscribe gets
 * `current()`: false once a later subscribe or a release superseded it, so a
 * slow reply never lands on an embed that has moved on.
 */
import { onScopeDispose, ref, watch, type ComputedRef, type Ref } from 'vue'

import type { HolderCounts } from '@/lib/chatEmbeds'

interface Connection {
  readonly connected: ComputedRef<boolean>
  onConnect(fn: () => void): () => void
}

export interface VisibleHoldOptions<K> {
  socket: Connection
  holders: HolderCounts<K>
  key: K
  visible: Readonly<Ref<boolean>>
  /** Subscribe (and read what the embed needs); check `current()` after every await. */
  open(current: () => boolean): Promise<void>
  /** Unsubscribe on the server (errors are ignored: the socket may be going). */
  close(): Promise<unknown>
}

export function useVisibleHold<K>({ socket, holders, key, visible, open, close }: VisibleHoldOptions<K>) {
  const holding = ref(false)
  let generation = 0

  function subscribe() {
    if (!holding.value) holders.hold(key)
    holding.value = true
    const mine = ++generation
    void open(() => mine === generation).finally(() => {
      // Released while the subscribe was in flight: the server may handle the two
      // events out of order (one greenlet each), so let go again unless another holds it.
      if (mine !== generation && !holding.value) unsubscribeIfUnheld()
    })
  }

  function unsubscribeIfUnheld() {
    if (holders.count(key) === 0 && socket.connected.value) void close().catch(() => undefined)
  }

  function release() {
    if (!holding.value) return
    holding.value = false
    generation++
    if (holders.release(key) && socket.connected.value) void close().catch(() => undefined)
  }

  socket.onConnect(() => {
    if (visible.value) subscribe()
  })
  watch(visible, (now) => {
    if (!socket.connected.value) return // onConnect subscribes once it is back
    if (now) subscribe()
    else release()
  })
  onScopeDispose(release)

  return { holding, release }
}
