/**
 * The Dashboard's chart streams: the list, the user's selection, and one
 * bounded PointWindow per selected stream. Incoming `points` frames are
 * merged as they arrive; each window is a frameRef (lib/frameRef), so its
 * chart redraws at most once per animation frame. Every (re)connect
 * re-requests the selected windows.
 *
 * Beside each window, a HistorySeries (lib/historySeries) holds the stored
 * history a chart asked for (`history` event) with every live point since the
 * subscription on top: what the chart draws. `ensureHistory` fetches only
 * when the chart's view is not covered at its resolution, one request at a
 * time per stream, and waits a while after a failure.
 */
import { useLocalStorage } from '@vueuse/core'
import { computed, onScopeDispose, reactive, ref, watch, type ShallowRef } from 'vue'

import { cancelFrameTrigger, frameRef, triggerOnFrame } from '@/lib/frameRef'
import { HistorySeries, type HistoryReply } from '@/lib/historySeries'
import { PointWindow } from '@/lib/pointWindow'
import { jsonSerializer, stringsOr } from '@/lib/storedJson'
import { LIVE_HISTORY_MS } from '@/lib/timeRange'
import type { StreamInfo } from '@/types/contract'
import { useSocket } from './useSocket'

const SELECTION_KEY = 'pulseboard.dashboard.streams'
const INFOS_KEY = 'pulseboard.dashboard.infos'
export const DEFAULT_STREAMS = ['system.cpu', 'system.memory', 'demo.sine', 'demo.random']

/** The `history` query (docs/contract.md, `/charts`). */
export interface HistoryQuery {
  stream: string
  from?: number
  to?: number
  max_points?: number
}
/** `max_points`' bounds on the server. */
export const MAX_HISTORY_POINTS = 5000
/** How long a failed history fetch is not retried, doubled per failure up to RETRY_MAX_MS. */
const RETRY_MS = 10_000
const RETRY_MAX_MS = 300_000
/** The shortest time between two fetches of one stream (a burst of resizes, pans). */
const MIN_FETCH_INTERVAL_MS = 300

/** What the chart wants drawn: `[from, to]` in ms, at about `width` points; `live` when it follows the newest point. */
export interface HistoryWant {
  from: number
  to: number
  width: number
  live: boolean
}

/** One stream's history fetching, shown by its chart. */
export interface HistoryStatus {
  loading: boolean
  error: string | null
}

interface HistoryState {
  series: ShallowRef<HistorySeries>
  seq: number
  inflight: boolean
  lastStart: number
  failedAt: number
  failures: number
  timer: ReturnType<typeof setTimeout> | null
  want: HistoryWant | null
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
  // `history` is H's event: typed by hand until the generated contract has it.
  const requestHistory = charts.request.bind(charts) as unknown as (
    event: 'history',
    payload: HistoryQuery,
  ) => Promise<HistoryReply & { ok: true; stream: string }>
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
      state = { series, seq: 0, inflight: false, lastStart: 0, failedAt: 0, failures: 0, timer: null, want: null }
      histories.set(name, state)
      historyStatus[name] = { loading: false, error: null }
    }
    return state
  }

  function dropHistory(state: HistoryState) {
    cancelFrameTrigger(state.series)
    if (state.timer) clearTimeout(state.timer)
    state.timer = null
    state.seq++ // a reply still on its way is ignored
  }

  /** Stream `name`'s drawn series (history + live points), made on first use. */
  function seriesOf(name: string): ShallowRef<HistorySeries> {
    return historyOf(name).series
  }

  /**
   * The chart of `name` shows `want`: fetch its history unless what is held
   * covers it. Cheap when nothing is due, so a chart may call it on every draw.
   */
  function ensureHistory(name: string, want: HistoryWant) {
    if (!selected.value.includes(name)) return
    const state = historyOf(name)
    state.want = want
    if (state.inflight || state.timer) return // the reply (or the timer) looks at the latest want
    if (state.series.value.covers(want.from, want.to, want.width)) return
    if (!charts.connected.value) return // onConnect's subscribe draws again, and asks again
    const now = Date.now()
    const backoff = state.failures ? Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** (state.failures - 1)) : 0
    const wait = Math.max(state.failedAt + backoff, state.lastStart + MIN_FETCH_INTERVAL_MS) - now
    if (wait > 0) {
      state.timer = setTimeout(() => {
        state.timer = null
        if (state.want) ensureHistory(name, state.want)
      }, wait)
      return
    }
    void fetchHistory(name, state, want)
  }

  async function fetchHistory(name: string, state: HistoryState, want: HistoryWant) {
    const maxPoints = Math.min(MAX_HISTORY_POINTS, Math.max(1, Math.round(want.width)))
    const payload: HistoryQuery = { stream: name, max_points: maxPoints }
    if (want.live) {
      // Following live: the server's own now ends the range, and at least the last hour is loaded.
      payload.from = Math.round(Math.min(want.from, (state.series.value.newest ?? Date.now()) - LIVE_HISTORY_MS))
    } else {
      payload.from = Math.round(want.from)
      payload.to = Math.round(want.to)
    }
    const seq = ++state.seq
    state.inflight = true
    state.lastStart = Date.now()
    historyStatus[name] = { loading: true, error: null }
    try {
      const reply = await requestHistory('history', payload)
      if (seq !== state.seq) return
      state.series.value.setHistory(reply, maxPoints)
      triggerOnFrame(state.series)
      state.failures = 0
      historyStatus[name] = { loading: false, error: null }
    } catch (err) {
      if (seq !== state.seq) return
      state.failedAt = Date.now()
      state.failures++
      historyStatus[name] = { loading: false, error: (err as Error).message }
    } finally {
      if (seq === state.seq) state.inflight = false
    }
    // The view may have moved while this was on its way.
    if (seq === state.seq && state.want && state.want !== want) ensureHistory(name, state.want)
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
      history.failures = 0 // a new connection: the server may have history now
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
    for (const [name, state] of histories) if (state.want) ensureHistory(name, state.want)
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
