/**
 * The Dashboard's chart streams: the list, the user's selection, and one
 * bounded PointWindow per selected stream. Incoming `points` frames are
 * merged as they arrive; redraws are batched to one per animation frame
 * through `revisions`. Every (re)connect re-requests the selected windows.
 */
import { useLocalStorage } from '@vueuse/core'
import { computed, onScopeDispose, reactive, ref, watch } from 'vue'

import { frameBatch } from '@/lib/frameBatch'
import { PointWindow } from '@/lib/pointWindow'
import type { StreamInfo } from '@/types/contract'
import { useSocket } from './useSocket'

const SELECTION_KEY = 'pulseboard.dashboard.streams'
const INFOS_KEY = 'pulseboard.dashboard.infos'
export const DEFAULT_STREAMS = ['system.cpu', 'system.memory', 'demo.sine', 'demo.random']

function loadSelection(): string[] {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(SELECTION_KEY) ?? 'null') as unknown
    return Array.isArray(saved) ? saved.filter((s): s is string => typeof s === 'string') : DEFAULT_STREAMS
  } catch {
    return DEFAULT_STREAMS
  }
}

/** Live chart streams for one view; unsubscribes by itself when the view goes away. */
export function useCharts() {
  const charts = useSocket('/charts')
  const streams = ref<StreamInfo[]>([])
  const selected = ref<string[]>(loadSelection())
  const windows = new Map<string, PointWindow>()
  /** Bumped once per frame for each stream that received points: the charts redraw on it. */
  const revisions = reactive<Record<string, number>>({})
  const errors = reactive<Record<string, string>>({})
  const dirty = new Set<string>()
  const redraw = frameBatch(() => {
    for (const name of dirty) revisions[name] = (revisions[name] ?? 0) + 1
    dirty.clear()
  })
  onScopeDispose(redraw.cancel)

  // The last stream list seen, so an offline Dashboard still titles its charts by label.
  const remembered = useLocalStorage<Record<string, StreamInfo>>(INFOS_KEY, {})
  /** What is known of stream `name`: from the live list, else from the last one seen. */
  const infoOf = (name: string): StreamInfo =>
    streams.value.find((s) => s.name === name) ?? remembered.value[name] ?? { name, label: name, unit: '' }

  function windowOf(name: string): PointWindow {
    let window = windows.get(name)
    if (!window) {
      window = PointWindow.forStream(infoOf(name))
      windows.set(name, window)
    }
    return window
  }

  /** Re-make a window made before the stream list said how much the stream keeps. */
  function fitWindow(name: string) {
    const old = windows.get(name)
    if (!old) return
    const fitted = PointWindow.forStream(infoOf(name))
    if (fitted.maxPoints === old.maxPoints && fitted.maxAgeMs === old.maxAgeMs && fitted.gapMs === old.gapMs) return
    fitted.merge(old.times.map((t, i) => [t, old.values[i]]))
    windows.set(name, fitted)
    revisions[name] = (revisions[name] ?? 0) + 1
  }

  function changed(name: string, added: number) {
    if (added === 0) return
    dirty.add(name)
    redraw.schedule()
  }

  charts.on('points', (frame) => {
    const window = windows.get(frame.stream)
    if (window) changed(frame.stream, window.merge(frame.points))
  })

  async function subscribe(name: string) {
    try {
      const reply = await charts.request('subscribe', { stream: name })
      if (!selected.value.includes(name)) return // deselected meanwhile: no window to recreate
      changed(name, windowOf(name).merge(reply.points))
      delete errors[name]
    } catch (err) {
      if (selected.value.includes(name)) errors[name] = (err as Error).message
    }
  }

  async function unsubscribe(name: string) {
    windows.delete(name)
    delete errors[name]
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
  })

  watch(selected, (now, before) => {
    globalThis.localStorage?.setItem(SELECTION_KEY, JSON.stringify(now))
    if (!charts.connected.value) return // onConnect subscribes the selection
    for (const name of now) if (!before.includes(name)) void subscribe(name)
    for (const name of before) if (!now.includes(name)) void unsubscribe(name)
  })

  return {
    streams,
    selected,
    revisions,
    errors,
    status: charts.status,
    /** Whether the stream list was loaded at least once. */
    loaded: computed(() => streams.value.length > 0),
    windowOf,
    infoOf,
    toggle(name: string) {
      selected.value = selected.value.includes(name)
        ? selected.value.filter((s) => s !== name)
        : [...selected.value, name]
    },
  }
}
