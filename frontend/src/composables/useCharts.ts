/**
 * The Dashboard's chart streams: the list, the user's selection, and one
 * bounded PointWindow per selected stream. Incoming `points` frames are
 * merged as they arrive; each window is a frameRef (lib/frameRef), so its
 * chart redraws at most once per animation frame. Every (re)connect
 * re-requests the selected windows.
 *
 * Beside each window, a HistorySeries (lib/historySeries) holds the stored
 * history a chart asked for (`history` event) with every live point since the
 * subscription on top: what the chart draws. `ensureHistory` hands what a
 * chart shows to the stream's HistoryLoader (lib/historyLoader), which
 * fetches only when the series does not cover it.
 */
import { useLocalStorage } from '@vueuse/core'
import { computed, onScopeDispose, reactive, ref, watch, type ShallowRef } from 'vue'

import { cancelFrameTrigger, frameRef, triggerOnFrame } from '@/lib/frameRef'
import { HistoryLoader, type HistoryStatus, type HistoryWant } from '@/lib/historyLoader'
import { HistorySeries } from '@/lib/historySeries'
import { PointWindow } from '@/lib/pointWindow'
import { jsonSerializer, stringsOr } from '@/lib/storedJson'
import type { StreamInfo } from '@/types/contract'
import { useSocket } from './useSocket'

const SELECTION_KEY = 'pulseboard.dashboard.streams'
const INFOS_KEY = 'pulseboard.dashboard.infos'
export const DEFAULT_STREAMS = ['system.cpu', 'system.memory', 'demo.sine', 'demo.random']
export type { HistoryStatus, HistoryWant }

interface HistoryState {
  series: ShallowRef<HistorySeries>
  loader: HistoryLoader
}

/** Live chart streams for one view; unsubscribes by itself when the view goes away. */
export function useCharts() {
  const charts = useSocket('/charts')
  const streams = ref<StreamInfo[]>([])
  // Read once per Dashboard, written on every change; another tab's choice applies at its next visit.
  const selected = useLocalStorage<string[]>(SELECTION_KEY, DEFAULT_STREAMS, {
    serializer: jsonSerializer(stringsOr(DEFAULT_STREAMS)),
    writeDefaults: false,
    listenToStorageChanges: false,
  })
  const windows = new Map<string, ShallowRef<PointWindow>>()
  const errors = reactive<Record<string, string>>({})
  const histories = new Map<string, HistoryState>()
  /** Per stream: whether its history is loading, and the last fetch's error. */
  const historyStatus = reactive<Record<string, HistoryStatus>>({})
  onScopeDispose(() => {
    windows.forEach(cancelFrameTrigger)
    histories.forEach(dropHistory)
  })

  // The last stream list seen, so an offline Dashboard still titles its charts by label.
  const remembered = useLocalStorage<Record<string, StreamInfo>>(INFOS_KEY, {})
  /** What is known of stream `name`: from the live list, else from the last one seen. */
  const infoOf = (name: string): StreamInfo =>
    streams.value.find((s) => s.name === name) ?? remembered.value[name] ?? { name, label: name, unit: '' }

  /** Stream `name`'s window, made on first use: pass the ref itself to its chart. */
  function windowOf(name: string): ShallowRef<PointWindow> {
    let window = windows.get(name)
    if (!window) {
      window = frameRef(PointWindow.forStream(infoOf(name)))
      windows.set(name, window)
    }
    return window
  }

  function historyOf(name: string): HistoryState {
    let state = histories.get(name)
    if (!state) {
      const series = frameRef(new HistorySeries(PointWindow.forStream(infoOf(name)).gapMs))
      const loader = new HistoryLoader(series.value, {
        request: (range) => charts.request('history', { stream: name, ...range }),
        loaded: () => triggerOnFrame(series),
        status: (status) => {
          historyStatus[name] = status
        },
        connected: () => charts.connected.value,
      })
      state = { series, loader }
      histories.set(name, state)
      historyStatus[name] = { loading: false, error: null }
    }
    return state
  }

  function dropHistory(state: HistoryState) {
    cancelFrameTrigger(state.series)
    state.loader.dispose()
  }

  /** Stream `name`'s drawn series (history + live points), made on first use. */
  function seriesOf(name: string): ShallowRef<HistorySeries> {
    return historyOf(name).series
  }

  /**
   * The chart of `name` shows `want` (told after every draw): its loader
   * fetches history if the series does not cover it.
   */
  function ensureHistory(name: string, want: HistoryWant) {
    if (selected.value.includes(name)) historyOf(name).loader.want(want)
  }

  /** Re-make a window made before the stream list said how much the stream keeps. */
  function fitWindow(name: string) {
    const window = windows.get(name)
    if (!window) return
    const old = window.value
    const fitted = PointWindow.forStream(infoOf(name))
    if (fitted.maxPoints === old.maxPoints && fitted.maxAgeMs === old.maxAgeMs && fitted.gapMs === old.gapMs) return
    fitted.merge(old.times.map((t, i) => [t, old.values[i]]))
    window.value = fitted // a new object: its chart redraws at once
    const history = histories.get(name)
    if (history) {
      history.series.value.gapMs = fitted.gapMs
      triggerOnFrame(history.series)
    }
  }

  charts.on('points', (frame) => {
    const window = windows.get(frame.stream)
    if (window && window.value.merge(frame.points)) triggerOnFrame(window)
    const history = histories.get(frame.stream)
    if (history && history.series.value.mergeLive(frame.points)) triggerOnFrame(history.series)
  })

  async function subscribe(name: string) {
    try {
      const reply = await charts.request('subscribe', { stream: name })
      if (!selected.value.includes(name)) return // deselected meanwhile: no window to recreate
      const window = windowOf(name)
      if (window.value.merge(reply.points)) triggerOnFrame(window)
      // A new subscription: live points start again from its window (there may be a hole before it).
      const history = historyOf(name)
      history.series.value.resetRecent(reply.points)
      history.loader.resetBackoff() // a new connection: the server may have history now
      triggerOnFrame(history.series)
      delete errors[name]
    } catch (err) {
      if (selected.value.includes(name)) errors[name] = (err as Error).message
    }
  }

  async function unsubscribe(name: string) {
    const window = windows.get(name)
    if (window) cancelFrameTrigger(window)
    windows.delete(name)
    delete errors[name]
    const history = histories.get(name)
    if (history) dropHistory(history)
    histories.delete(name)
    delete historyStatus[name]
    if (charts.connected.value) await charts.request('unsubscribe', { stream: name }).catch(() => undefined)
  }

  charts.onConnect(async () => {
    try {
      streams.value = (await charts.request('streams', {})).streams
      remembered.value = Object.fromEntries(streams.value.map((info) => [info.name, info]))
      for (const name of windows.keys()) fitWindow(name)
      delete errors['']
    } catch (err) {
      errors[''] = (err as Error).message
    }
    await Promise.all(selected.value.map((name) => subscribe(name)))
    // What the charts asked for while offline.
    for (const [name, state] of histories) if (state.loader.wanted) ensureHistory(name, state.loader.wanted)
  })

  watch(selected, (now, before) => {
    if (!charts.connected.value) return // onConnect subscribes the selection
    for (const name of now) if (!before.includes(name)) void subscribe(name)
    for (const name of before) if (!now.includes(name)) void unsubscribe(name)
  })

  return {
    streams,
    selected,
    errors,
    status: charts.status,
    /** Whether the stream list was loaded at least once. */
    loaded: computed(() => streams.value.length > 0),
    windowOf,
    seriesOf,
    ensureHistory,
    historyStatus,
    infoOf,
    toggle(name: string) {
      selected.value = selected.value.includes(name)
        ? selected.value.filter((s) => s !== name)
        : [...selected.value, name]
    },
  }
}
