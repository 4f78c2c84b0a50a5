/**
 * Annotation markers on a uPlot chart: a vertical line at each annotation's
 * `t`, coloured by kind and severity, drawn as a real `<button>` over the
 * plot (keyboard focus, an aria-label saying what it is and where it leads).
 * Activating one calls `open(annotation)` (the dashboard navigates to its
 * link). The buttons live in uPlot's `over` element and are placed again on
 * every draw and whenever the annotation source says it changed, so live
 * annotations appear without a chart redraw. Only the markers inside the
 * visible x range are in the DOM, at most MAX_MARKERS of them (the newest).
 * A button is the marker's head (the line under it takes no clicks); heads
 * closer than a head's width go to lanes further down (markerLanes), so two
 * events a moment apart, a short run's start and end, can both be clicked.
 *
 * The plugin also reports the chart's visible time range (ms) to
 * `source.visible`, which useAnnotations coalesces into one request for all
 * charts.
 */
import type uPlot from 'uplot'

import type { Annotation } from '@/types/contract'
import { formatTime } from './time'

/** Markers drawn per chart at most: the newest ones inside the visible range. */
export const MAX_MARKERS = 200
/** A marker head's width and height (CSS px, as main.css draws it): the step between lanes. */
export const MARKER_HEAD_PX = 14
/** Lanes of heads at most; past them markers share the last lane. */
export const MAX_LANES = 4
/** Five minutes either side of an instant: the range "show on chart" opens. */
export const SHOW_MARGIN_MS = 5 * 60 * 1000

/** What a chart's markers come from (useAnnotations' `sourceFor(stream)`). */
export interface MarkerSource {
  /** The annotations that belong on this chart, oldest first. */
  list(): readonly Annotation[]
  /** Call `fn` whenever `list()` may have changed; returns a function that stops. */
  subscribe(fn: () => void): () => void
  /** The chart now shows `[from, to]` (ms). */
  visible?(from: number, to: number): void
  /** The chart went away. */
  gone?(): void
}

const SEVERITY_COLOURS: Record<Annotation['severity'], string> = {
  info: '#4fb6ff',
  success: '#35c28a',
  warning: '#f0b03f',
  critical: '#f0596a',
}
/** Chat markers keep one colour whatever their severity: a person wrote them. */
const CHAT_COLOUR = '#a78bfa'

/** The marker colour of an annotation: by severity, chat in its own colour. */
export function markerColor(annotation: Pick<Annotation, 'kind' | 'severity'>): string {
  if (annotation.kind === 'chat') return CHAT_COLOUR
  return SEVERITY_COLOURS[annotation.severity] ?? SEVERITY_COLOURS.info
}

const DESTINATION: Record<Annotation['kind'], string> = {
  run: "open the run's log at this time",
  alert: 'open the alert',
  chat: 'open the message in its room',
}

/** The accessible name of a marker: what happened, when, and where activating it leads. */
export function markerLabel(annotation: Annotation): string {
  return `${annotation.title} at ${formatTime(annotation.t)}: ${DESTINATION[annotation.kind]}`
}

/** The tooltip: the title, the detail if any, and the time. */
export function markerTooltip(annotation: Annotation): string {
  const lines = [annotation.title, annotation.detail, formatTime(annotation.t)]
  return lines.filter((line) => line).join('\n')
}

/** Whether an annotation belongs on the chart of `stream` (null streams: on every chart). */
export function belongsTo(annotation: Pick<Annotation, 'streams'>, stream: string): boolean {
  return annotation.streams === null || annotation.streams.includes(stream)
}

/**
 * The annotations inside `[min, max]` (ms), oldest first, at most `limit` (the
 * newest kept). `list` is oldest first, as useAnnotations keeps it.
 */
export function visibleMarkers<T extends Pick<Annotation, 't'>>(
  list: readonly T[],
  min: number,
  max: number,
  limit = MAX_MARKERS,
): T[] {
  const inside = list.filter((a) => a.t >= min && a.t <= max)
  return inside.length > limit ? inside.slice(inside.length - limit) : inside
}

/**
 * The lane of each marker head at `xs` (CSS px, in time order): the first lane
 * whose last head ends at least a head's width before this one, so no two heads
 * of one lane overlap (up to `maxLanes`; past that the last lane takes it).
 */
export function markerLanes(xs: readonly number[], width = MARKER_HEAD_PX, maxLanes = MAX_LANES): number[] {
  const lastX: number[] = []
  return xs.map((x) => {
    let lane = lastX.findIndex((last) => x - last >= width)
    if (lane === -1) lane = lastX.length < maxLanes ? lastX.length : maxLanes - 1
    lastX[lane] = x
    return lane
  })
}

/** The dashboard at `t` ± `margin` (F's range URL): what "show on chart" opens. */
export function chartPathAround(t: number, margin = SHOW_MARGIN_MS): string {
  const at = Math.round(t)
  return `/?from=${at - margin}&to=${at + margin}`
}

/** The uPlot plugin: markers from `source`, `open` when one is activated. */
export function markersPlugin(source: MarkerSource, open: (annotation: Annotation) => void): uPlot.Plugin {
  let layer: HTMLDivElement | null = null
  let plot: uPlot | null = null
  let stop: (() => void) | null = null
  const buttons = new Map<string, HTMLButtonElement>()
  const shown = new Map<string, Annotation>()

  function button(annotation: Annotation): HTMLButtonElement {
    let el = buttons.get(annotation.id)
    if (!el) {
      el = document.createElement('button')
      el.type = 'button'
      el.className = 'chart-marker'
      el.dataset.testid = 'chart-marker'
      el.dataset.id = annotation.id
      // The click handler reads the annotation of the moment (a run's end may replace its data).
      el.addEventListener('click', (event) => {
        event.stopPropagation()
        const current = shown.get(annotation.id)
        if (current) open(current)
      })
      // uPlot's over element listens to mousedown for its cursor: keep the click ours.
      el.addEventListener('mousedown', (event) => event.stopPropagation())
      buttons.set(annotation.id, el)
    }
    const signature = `${annotation.t}|${annotation.severity}|${annotation.title}|${annotation.detail}`
    if (el.dataset.signature !== signature) {
      el.dataset.signature = signature
      el.dataset.kind = annotation.kind
      el.dataset.severity = annotation.severity
      el.dataset.t = String(annotation.t)
      el.setAttribute('aria-label', markerLabel(annotation))
      el.title = markerTooltip(annotation)
      el.style.setProperty('--marker-color', markerColor(annotation))
    }
    return el
  }

  function place() {
    const u = plot
    if (!u || !layer) return
    const { min, max } = u.scales.x
    if (min == null || max == null) return
    const wanted = visibleMarkers(source.list(), min * 1000, max * 1000)
    const keep = new Set(wanted.map((a) => a.id))
    for (const [id, el] of buttons) {
      if (!keep.has(id)) {
        el.remove()
        buttons.delete(id)
        shown.delete(id)
      }
    }
    // Tab order follows time, left to right. Only misplaced buttons move: moving
    // a node blurs it, and the focused marker must keep its focus while live.
    const xs = wanted.map((annotation) => u.valToPos(annotation.t / 1000, 'x'))
    const lanes = markerLanes(xs)
    wanted.forEach((annotation, index) => {
      const el = button(annotation)
      shown.set(annotation.id, annotation)
      el.style.left = `${xs[index]}px`
      el.style.setProperty('--marker-lane', String(lanes[index]))
      const at = (layer as HTMLDivElement).children[index] ?? null
      if (at !== el) (layer as HTMLDivElement).insertBefore(el, at)
    })
  }

  return {
    hooks: {
      init: (u: uPlot) => {
        plot = u
        layer = document.createElement('div')
        layer.className = 'chart-markers'
        layer.setAttribute('role', 'group')
        layer.setAttribute('aria-label', 'Events on this chart')
        u.over.appendChild(layer)
        stop = source.subscribe(place)
      },
      draw: (u: uPlot) => {
        const { min, max } = u.scales.x
        if (min != null && max != null) source.visible?.(min * 1000, max * 1000)
        place()
      },
      destroy: () => {
        source.gone?.()
        stop?.()
        stop = null
        layer?.remove()
        layer = null
        plot = null
        buttons.clear()
        shown.clear()
      },
    },
  }
}
