/**
 * A chat message's live chart: one stream's window, subscribed through
 * `/charts` only while `visible` (the embed is on screen) and the socket is
 * connected. Several embeds of one stream share the server subscription,
 * which ends when the last of them leaves the screen (lib/chatEmbeds
 * HolderCounts). Points are merged into a PointWindow in a frameRef, as on
 * the Dashboard, so a chart redraws at most once per animation frame.
 */
import { computed, onScopeDispose, ref, shallowRef, type Ref } from 'vue'

import { HolderCounts } from '@/lib/chatEmbeds'
import { cancelFrameTrigger, frameRef, triggerOnFrame } from '@/lib/frameRef'
import { HistorySeries } from '@/lib/historySeries'
import { PointWindow } from '@/lib/pointWindow'
import { sentence } from '@/lib/sentence'
import type { StreamInfo } from '@/types/contract'
import { useSocket } from './useSocket'
import { useVisibleHold } from './useVisibleHold'

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

  const { holding } = useVisibleHold({
    socket: charts,
    holders,
    key: name,
    visible,
    async open(current) {
      try {
        await loadInfo().catch(() => undefined) // the chart still works without a label
        // Left the screen meanwhile: subscribing now would leak.
        if (!current()) return
        const reply = await charts.request('subscribe', { stream: name })
        if (!current()) return
        if (window.value.merge(reply.points)) triggerOnFrame(window)
        series.value.resetRecent(reply.points)
        triggerOnFrame(series)
        error.value = null
      } catch (err) {
        if (current()) error.value = sentence(err)
      }
    },
    close: () => charts.request('unsubscribe', { stream: name }),
  })

  charts.on('points', (frame) => {
    if (!holding.value || frame.stream !== name) return
    if (window.value.merge(frame.points)) triggerOnFrame(window)
    if (series.value.mergeLive(frame.points)) triggerOnFrame(series)
  })
  onScopeDispose(() => {
    cancelFrameTrigger(window)
    cancelFrameTrigger(series)
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
