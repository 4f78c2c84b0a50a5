/**
 * A chat message's live chart: one stream's window, subscribed through
 * `/charts` only while `visible` (the embed is on screen) and the socket is
 * connected. Several embeds of one stream share the server subscription,
 * which ends when the last of them leaves the screen (lib/chatEmbeds
 * HolderCounts). Points are merged into a PointWindow in a frameRef, as on
 * the Dashboard, so a chart redraws at most once per animation frame.
 */
import { computed, onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'

import { HolderCounts } from '@/lib/chatEmbeds'
import { cancelFrameTrigger, frameRef, triggerOnFrame } from '@/lib/frameRef'
import { HistorySeries } from '@/lib/historySeries'
import { PointWindow } from '@/lib/pointWindow'
import { sentence } from '@/lib/sentence'
import type { StreamInfo } from '@/types/contract'
import { useSocket } from './useSocket'

const holders = new HolderCounts<string>()
/** The stream list, read once for every embed (labels, units, window sizes). */
let infos: Promise<Map<string, StreamInfo>> | null = null

export function useStreamEmbed(name: string, visible: Readonly<Ref<boolean>>) {
  const charts = useSocket('/charts')
  const info = shallowRef<StreamInfo>({ name, label: name, unit: '' })
  const window = frameRef(PointWindow.forStream(info.value))
  /** What LiveChart draws: the live points only (an embed follows live; it reads no stored history). */
  const series = frameRef(new HistorySeries(window.value.gapMs))
  const error = ref<string | null>(null)
  const holding = ref(false)
  /** Bumped by every subscribe and release: a subscribe that is no longer the latest stops. */
  let generation = 0

  async function loadInfo() {
    infos ??= charts.request('streams', {}).then(
      (reply) => new Map(reply.streams.map((s) => [s.name, s])),
      (err) => {
        infos = null // try again next time
        throw err
      },
    )
    const known = (await infos).get(name)
    if (!known || known === info.value) return
    info.value = known
    const fitted = PointWindow.forStream(known)
    const old = window.value
    fitted.merge(old.times.map((t, i) => [t, old.values[i]]))
    window.value = fitted // a new object: the chart redraws at once
    series.value.gapMs = fitted.gapMs
    series.value.resetRecent(fitted.times.map((t, i) => [t, fitted.values[i]]))
    triggerOnFrame(series)
  }

  async function subscribe() {
    if (!holding.value) holders.hold(name)
    holding.value = true
    const mine = ++generation
    try {
      await loadInfo().catch(() => undefined) // the chart still works without a label
      // Left the screen meanwhile: release() already let go; subscribing now would leak.
      if (mine !== generation) return
      const reply = await charts.request('subscribe', { stream: name })
      if (mine !== generation) {
        // Released while the subscribe was in flight; the server may handle the events out of
        // order (one greenlet each), so unsubscribe again unless another embed holds the stream.
        if (holders.count(name) === 0 && charts.connected.value) {
          void charts.request('unsubscribe', { stream: name }).catch(() => undefined)
        }
        return
      }
      if (window.value.merge(reply.points)) triggerOnFrame(window)
      series.value.resetRecent(reply.points)
      triggerOnFrame(series)
      error.value = null
    } catch (err) {
      if (mine === generation) error.value = sentence(err)
    }
  }

  function release() {
    if (!holding.value) return
    holding.value = false
    generation++
    if (holders.release(name) && charts.connected.value) {
      void charts.request('unsubscribe', { stream: name }).catch(() => undefined)
    }
  }

  charts.on('points', (frame) => {
    if (!holding.value || frame.stream !== name) return
    if (window.value.merge(frame.points)) triggerOnFrame(window)
    if (series.value.mergeLive(frame.points)) triggerOnFrame(series)
  })
  charts.onConnect(() => {
    if (visible.value) void subscribe()
  })
  watch(visible, (now) => {
    if (!charts.connected.value) return // onConnect subscribes once it is back
    if (now) void subscribe()
    else release()
  })
  onScopeDispose(() => {
    cancelFrameTrigger(window)
    cancelFrameTrigger(series)
    release()
  })

  return {
    info,
    window,
    series,
    error,
    /** Whether points arrive now: connected and on screen. */
    live: computed(() => charts.connected.value && holding.value),
  }
}
