/**
 * The Dashboard's chart streams: the list, the user's selection, and one
 * bounded PointWindow per selected stream. Incoming `points` frames are
 * merged as they arrive; redraws are batched to one per animation frame
 * through `revisions`. Every (re)connect re-requests the selected windows.
 */
import { onScopeDispose, reactive, ref, watch } from 'vue'

import { frameBatch } from '@/lib/frameBatch'
import { PointWindow } from '@/lib/pointWindow'
import type { StreamInfo } from '@/types/contract'
import { useSocket } from './useSocket'

const SELECTION_KEY = 'pulseboard.dashboard.streams'
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

  function windowOf(name: string): PointWindow {
    let window = windows.get(name)
    if (!window) {
      window = new PointWindow()
      windows.set(name, window)
    }
    return window
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
    windowOf,
    toggle(name: string) {
      selected.value = selected.value.includes(name)
        ? selected.value.filter((s) => s !== name)
        : [...selected.value, name]
    },
  }
}
