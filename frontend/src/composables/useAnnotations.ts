/**
 * Annotations for every chart of a view, from one store: the markers plugin
 * of each chart (lib/chartMarkers) reports the range it shows; the union of
 * those ranges is fetched with ONE `/charts` `annotations` request (debounced,
 * padded, and only when the union is not covered yet), and the pushed
 * `annotation` events keep the store current. So ten charts panning cost one
 * request after they settle, not one per chart per frame. A fetch whose range
 * reaches "now" covers everything later too while connected (pushes bring it);
 * every (re)connect fetches again, since pushes may have been missed.
 */
import { onScopeDispose, ref } from 'vue'
import { useRouter } from 'vue-router'

import { belongsTo, markersPlugin, type MarkerSource } from '@/lib/chartMarkers'
import type { Annotation } from '@/types/contract'
import { MAX_ANNOTATION_RANGE_MS } from '@/types/contract.limits.gen'
import type uPlot from 'uplot'
import { useSocket } from './useSocket'

/** `[from, to]` in ms. */
export interface TimeRange {
  from: number
  to: number
}

/** The charts settle this long before the store fetches what they show. */
export const FETCH_DEBOUNCE_MS = 250
/** After a failed fetch, wait this long before the next attempt. */
export const RETRY_MS = 5_000
/** Annotations kept at most (the newest). */
export const MAX_KEPT = 5_000
/** A range ending this close to now counts as reaching it (pushes bring what follows). */
const NOW_SLACK_MS = 2_000

/** The smallest range holding every one of `ranges`; null for none. */
export function union(ranges: Iterable<TimeRange>): TimeRange | null {
  let out: TimeRange | null = null
  for (const r of ranges) out = out ? { from: Math.min(out.from, r.from), to: Math.max(out.to, r.to) } : { ...r }
  return out
}

/**
 * Whether `loaded` holds `wanted`; `followsNow`: loaded reached "now" and pushes keep it current.
 * Only the newest MAX_ANNOTATION_RANGE_MS of `wanted` count (the most one request reads), so a
 * wider view does not ask again and again for what it can never get.
 */
export function covers(loaded: TimeRange | null, wanted: TimeRange, followsNow: boolean): boolean {
  if (!loaded) return false
  const from = Math.max(0, wanted.from, wanted.to - MAX_ANNOTATION_RANGE_MS)
  return from >= loaded.from && (followsNow || wanted.to <= loaded.to)
}

/**
 * What to ask the server for to show `wanted`: padded by half its span on
 * each side (a small pan needs no new request), never past `now`, at most
 * the server's widest range (the newest part kept), never before 0.
 */
export function requestRange(wanted: TimeRange, now: number): TimeRange {
  const pad = Math.max((wanted.to - wanted.from) / 2, 60_000)
  const to = Math.round(wanted.to >= now - NOW_SLACK_MS ? now : Math.min(now, wanted.to + pad))
  const from = Math.round(Math.max(0, wanted.from - pad, to - MAX_ANNOTATION_RANGE_MS))
  return { from: Math.min(from, to), to }
}

/** The store's annotations by id, oldest first, at most `limit` (the newest). */
export function ordered(byId: Map<string, Annotation>, limit = MAX_KEPT): Annotation[] {
  const list = [...byId.values()].sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  if (list.length <= limit) return list
  for (const old of list.slice(0, list.length - limit)) byId.delete(old.id)
  return list.slice(list.length - limit)
}

/** Join a fetched range to what was loaded when they touch; otherwise the new one replaces it. */
export function extend(loaded: TimeRange | null, fetched: TimeRange): TimeRange {
  if (loaded && fetched.from <= loaded.to && fetched.to >= loaded.from) {
    return { from: Math.min(loaded.from, fetched.from), to: Math.max(loaded.to, fetched.to) }
  }
  return fetched
}

/** What the store holds: the range it read and whether pushes keep it current from there on. */
export interface LoadedState {
  loaded: TimeRange | null
  followsNow: boolean
}

/**
 * The part of `range` still to read: when what was loaded holds its newer end (a truncated
 * answer left the older part out, or the view widened into the past), only what lies before
 * `loaded.from`, so each request brings older annotations instead of the same newest ones.
 */
export function missing(state: LoadedState, range: TimeRange): TimeRange {
  const { loaded, followsNow } = state
  if (loaded && range.from < loaded.from && range.to >= loaded.from && (followsNow || range.to <= loaded.to)) {
    return { from: range.from, to: loaded.from }
  }
  return range
}

/**
 * What the store holds after reading `range`. A truncated answer (the newest MAX_ANNOTATIONS
 * of the range) holds only `[oldest returned t, to]`: the older part is read next. When the
 * read range does not touch what was loaded it replaces it, and so does "follows now": a
 * distant range read after the live one says nothing about the time in between.
 */
export function afterFetch(
  state: LoadedState,
  range: TimeRange,
  reply: { annotations: readonly Annotation[]; truncated: boolean },
  now: number,
): LoadedState {
  const oldest = reply.annotations[0]?.t
  // All the answer's annotations at `to` itself: nothing older can be read of this range.
  const got = reply.truncated && oldest !== undefined && oldest < range.to ? { from: Math.max(range.from, oldest), to: range.to } : range
  const loaded = extend(state.loaded, got)
  const joined = loaded !== got
  return { loaded, followsNow: (joined && state.followsNow) || got.to >= now - NOW_SLACK_MS }
}

/**
 * The annotations of a view's charts. `navigate` opens a link's path (by
 * default the router's `push`; call it in a component's setup then).
 */
function routerPush(): (path: string) => void {
  const router = useRouter()
  return (path) => void router.push(path)
}

export function useAnnotations(options: { navigate?: (path: string) => void } = {}) {
  const charts = useSocket('/charts')
  const navigate = options.navigate ?? routerPush()
  const byId = new Map<string, Annotation>()
  let all: Annotation[] = []
  /** Bumped on every change (tests and views may watch it). */
  const version = ref(0)
  const error = ref<string | null>(null)
  const listeners = new Set<() => void>()
  const visibleBy = new Map<string, TimeRange>()
  const lists = new Map<string, { version: number; list: Annotation[] }>()
  const sources = new Map<string, MarkerSource>()
  const plugins = new Map<string, uPlot.Plugin>()
  let loaded: TimeRange | null = null
  let followsNow = false
  let timer: ReturnType<typeof setTimeout> | null = null
  let inFlight = false
  let retryAt = 0

  function changed() {
    all = ordered(byId)
    version.value++
    for (const fn of [...listeners]) fn()
  }

  function add(list: readonly Annotation[]) {
    for (const a of list) byId.set(a.id, a)
    if (list.length) changed()
  }

  charts.on('annotation', (annotation) => add([annotation]))
  charts.onConnect(() => {
    loaded = null // what was pushed while we were away is missing: read the range again
    followsNow = false
    schedule(0)
  })

  function wanted(): TimeRange | null {
    return union(visibleBy.values())
  }

  function schedule(delay = FETCH_DEBOUNCE_MS) {
    if (timer !== null) return
    timer = setTimeout(() => {
      timer = null
      void fetchNow()
    }, Math.max(delay, retryAt - Date.now()))
  }

  async function fetchNow() {
    const want = wanted()
    if (!want || inFlight || !charts.connected.value || covers(loaded, want, followsNow)) return
    const range = missing({ loaded, followsNow }, requestRange(want, Date.now()))
    inFlight = true
    try {
      const reply = await charts.request('annotations', range)
      ;({ loaded, followsNow } = afterFetch({ loaded, followsNow }, range, reply, Date.now()))
      error.value = null
      add(reply.annotations)
    } catch (err) {
      error.value = (err as Error).message
      retryAt = Date.now() + RETRY_MS
    } finally {
      inFlight = false
    }
    const next = wanted()
    if (next && !covers(loaded, next, followsNow)) schedule() // the charts moved on meanwhile
  }

  function visible(key: string, from: number, to: number) {
    visibleBy.set(key, { from, to })
    if (!covers(loaded, { from, to }, followsNow)) schedule()
  }

  /** The marker source of the chart of `stream` (one per stream, shared by its redraws). */
  function sourceFor(stream: string): MarkerSource {
    let source = sources.get(stream)
    if (!source) {
      source = {
        list() {
          const cached = lists.get(stream)
          if (cached && cached.version === version.value) return cached.list
          const list = all.filter((a) => belongsTo(a, stream))
          lists.set(stream, { version: version.value, list })
          return list
        },
        subscribe(fn) {
          listeners.add(fn)
          return () => listeners.delete(fn)
        },
        visible: (from, to) => visible(stream, from, to),
        gone: () => visibleBy.delete(stream),
      }
      sources.set(stream, source)
    }
    return source
  }

  /** Open an annotation's source (its run's log, the alert, the chat message). */
  function open(annotation: Annotation) {
    navigate(annotation.link.path)
  }

  /** The markers plugin for the chart of `stream` (the same object each time: pass it once). */
  function pluginFor(stream: string): uPlot.Plugin {
    let plugin = plugins.get(stream)
    if (!plugin) {
      plugin = markersPlugin(sourceFor(stream), open)
      plugins.set(stream, plugin)
    }
    return plugin
  }

  onScopeDispose(() => {
    if (timer !== null) clearTimeout(timer)
    listeners.clear()
  })

  return { version, error, sourceFor, pluginFor, open, all: () => all }
}
