/**
 * The Dashboard's time range: either following live (the last `spanMs`,
 * ending at each chart's newest point) or a fixed `[from, to]` in ms, which
 * is what the URL's `?from=<t_ms>&to=<t_ms>` says. Pure functions only: the
 * Dashboard keeps the state, the charts draw it.
 */

/** Following the newest point; `spanMs` null: each chart shows what its live window keeps. */
export interface LiveView {
  kind: 'live'
  spanMs: number | null
}

/** A fixed range in ms (from < to): the charts do not move when points arrive. */
export interface FixedView {
  kind: 'fixed'
  from: number
  to: number
}

export type ViewRange = LiveView | FixedView

export const LIVE: LiveView = { kind: 'live', spanMs: null }

/** The shortest range a view may have (a drag of a few pixels is not a zoom). */
export const MIN_SPAN_MS = 10_000
/** The longest (the server keeps a week of one-minute buckets by default). */
export const MAX_SPAN_MS = 31 * 24 * 3600_000
/** Times before this are surely a typo (2001-09-09), not a range anyone stored. */
const EARLIEST_MS = 1_000_000_000_000

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** The range presets: each follows live over its span. */
export const PRESETS: readonly { label: string; spanMs: number }[] = [
  { label: '5 min', spanMs: 5 * MINUTE },
  { label: '1 h', spanMs: HOUR },
  { label: '6 h', spanMs: 6 * HOUR },
  { label: '24 h', spanMs: 24 * HOUR },
]

/** How much history a chart loads when following live: at least the last hour, for panning back. */
export const LIVE_HISTORY_MS = HOUR

type QueryValue = string | null | (string | null)[] | undefined

function integer(value: QueryValue): number | null {
  const text = Array.isArray(value) ? value[0] : value
  if (typeof text !== 'string' || !/^\d{1,16}$/.test(text)) return null
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : null
}

/**
 * The fixed range a route query asks for, or null (follow live) when it has
 * none or an invalid one: not integers, from ≥ to, before 2001, or longer
 * than MAX_SPAN_MS. A span shorter than MIN_SPAN_MS is widened around its middle.
 */
export function parseRangeQuery(query: Record<string, QueryValue>): FixedView | null {
  const from = integer(query.from)
  const to = integer(query.to)
  if (from === null || to === null || from >= to || from < EARLIEST_MS || to - from > MAX_SPAN_MS) return null
  return fixed(from, to)
}

/** A fixed view of [from, to], at least MIN_SPAN_MS and at most MAX_SPAN_MS wide, in whole ms. */
export function fixed(from: number, to: number): FixedView {
  let low = Math.round(Math.min(from, to))
  let high = Math.round(Math.max(from, to))
  if (high - low < MIN_SPAN_MS) {
    const middle = Math.round((low + high) / 2)
    low = middle - MIN_SPAN_MS / 2
    high = middle + MIN_SPAN_MS / 2
  }
  if (high - low > MAX_SPAN_MS) low = high - MAX_SPAN_MS
  return { kind: 'fixed', from: low, to: high }
}

/** The query that stands for `view`: `{from, to}` for a fixed one, none for live. */
export function rangeQuery(view: ViewRange): Record<string, string> {
  return view.kind === 'fixed' ? { from: String(view.from), to: String(view.to) } : {}
}

/** The `[from, to]` ms a view shows now: a live one ends at `newestMs`, spanning its own span or `fallbackSpanMs`. */
export function viewBounds(view: ViewRange, newestMs: number, fallbackSpanMs: number): [number, number] {
  if (view.kind === 'fixed') return [view.from, view.to]
  const span = view.spanMs ?? fallbackSpanMs
  return [newestMs - span, newestMs]
}

/**
 * The view moved by `fraction` of its width (negative: back in time), as a
 * fixed range; a live view is first fixed at `[nowMs - span, nowMs]`.
 */
export function pan(view: ViewRange, fraction: number, nowMs: number, fallbackSpanMs: number): FixedView {
  const [from, to] = viewBounds(view, nowMs, fallbackSpanMs)
  const shift = (to - from) * fraction
  return fixed(from + shift, to + shift)
}

/** The view `factor` times as wide around its middle (2: zoom out). */
export function zoom(view: ViewRange, factor: number, nowMs: number, fallbackSpanMs: number): FixedView {
  const [from, to] = viewBounds(view, nowMs, fallbackSpanMs)
  const middle = (from + to) / 2
  const half = ((to - from) * factor) / 2
  return fixed(middle - half, middle + half)
}

/** Whether a view ends at or after now (a pan forward that far returns to live instead). */
export function reachesNow(view: ViewRange, nowMs: number): boolean {
  return view.kind === 'live' || view.to >= nowMs
}

/** "45 s", "5 min", "1 h", "1.5 h", "2 d": a span as the range bar says it. */
export function spanText(ms: number): string {
  const round = (n: number) => String(Math.round(n * 10) / 10)
  if (ms < 2 * MINUTE) return `${round(ms / 1000)} s`
  if (ms < HOUR) return `${round(ms / MINUTE)} min`
  if (ms < 48 * HOUR) return `${round(ms / HOUR)} h`
  return `${round(ms / (24 * HOUR))} d`
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/** "Dec 2, 07:10:00 – Dec 2, 08:10:00" (or "Live · last 1 h"): what the range bar says. */
export function describeView(view: ViewRange): string {
  if (view.kind === 'live') return view.spanMs === null ? 'Live' : `Live · last ${spanText(view.spanMs)}`
  return `${dateTime.format(view.from)} – ${dateTime.format(view.to)}`
}

/**
 * The span a chart following live shows when the view has none: what its live
 * window keeps (or, for a stream kept by count, the time its points span), at least a minute.
 */
export function windowSpanMs(window: { maxAgeMs: number; span: number }): number {
  return Math.max(Number.isFinite(window.maxAgeMs) ? window.maxAgeMs : window.span, MINUTE)
}
