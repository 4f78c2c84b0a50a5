/**
 * A chart's bounded window of `[t_ms, value]` points, kept sorted by time.
 * The subscribe ack and the `points` frames may overlap (and repeat after a
 * reconnect): a point whose time is already present is dropped.
 */
import type { Point, StreamInfo } from '@/types/contract'

/** What the window keeps when the server does not say (older servers). */
export const DEFAULT_WINDOW_POINTS = 600

/** The data uPlot draws: x in seconds, y with `null` where the stream had a gap. */
export type AlignedData = [number[], (number | null)[]]

export class PointWindow {
  /** Times in ms, ascending. */
  readonly times: number[] = []
  readonly values: number[] = []
  /** Points further apart than this (ms) are drawn with a gap between them; 0: guess from the data. */
  gapMs = 0

  /**
   * @param maxPoints keep at most this many points
   * @param maxAgeMs drop points older than this, measured from the newest
   */
  constructor(
    readonly maxPoints = DEFAULT_WINDOW_POINTS,
    readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * A window sized as the server keeps the stream: `window_points` points,
   * over `window_points × interval_ms` for a sampled stream. A stream sampled
   * every `interval_ms` has a gap where points are more than five intervals
   * (and at least two seconds) apart: nobody watched, or the server restarted.
   */
  static forStream(info: Pick<StreamInfo, 'window_points' | 'interval_ms'>): PointWindow {
    const points = info.window_points && info.window_points > 0 ? info.window_points : DEFAULT_WINDOW_POINTS
    const interval = info.interval_ms && info.interval_ms > 0 ? info.interval_ms : null
    const window = new PointWindow(points, interval ? points * interval : Number.POSITIVE_INFINITY)
    if (interval) window.gapMs = Math.max(5 * interval, 2000)
    return window
  }

  get length(): number {
    return this.times.length
  }

  /** The newest value, or null when empty. */
  get latest(): number | null {
    return this.values.length ? this.values[this.values.length - 1] : null
  }

  /** Merge points in any order; returns how many were new. */
  merge(points: readonly Point[]): number {
    let added = 0
    for (const [t, v] of points) {
      if (!Number.isFinite(t) || !Number.isFinite(v)) continue
      const n = this.times.length
      if (n === 0 || t > this.times[n - 1]) {
        this.times.push(t)
        this.values.push(v)
        added++
        continue
      }
      const at = this.indexOf(t)
      if (this.times[at] === t) continue
      this.times.splice(at, 0, t)
      this.values.splice(at, 0, v)
      added++
    }
    this.trim()
    return added
  }

  /**
   * The gap threshold in ms: the stream's own, else ten times the median
   * spacing of the points (at least five seconds), so an irregular published
   * stream is not cut at every pause.
   */
  gapThreshold(): number {
    if (this.gapMs > 0) return this.gapMs
    const n = this.times.length
    if (n < 3) return Number.POSITIVE_INFINITY
    const steps: number[] = []
    for (let i = 1; i < n; i++) steps.push(this.times[i] - this.times[i - 1])
    steps.sort((a, b) => a - b)
    return Math.max(10 * steps[steps.length >> 1], 5000)
  }

  /** The data uPlot draws: x in seconds, y; a `null` between two points a gap apart. */
  toAligned(): AlignedData {
    const xs: number[] = []
    const ys: (number | null)[] = []
    const gap = this.gapThreshold()
    for (let i = 0; i < this.times.length; i++) {
      if (i > 0 && this.times[i] - this.times[i - 1] > gap) {
        xs.push((this.times[i] + this.times[i - 1]) / 2000)
        ys.push(null)
      }
      xs.push(this.times[i] / 1000)
      ys.push(this.values[i])
    }
    return [xs, ys]
  }

  /** Milliseconds between the oldest and the newest point. */
  get span(): number {
    return this.times.length > 1 ? this.times[this.times.length - 1] - this.times[0] : 0
  }

  private indexOf(t: number): number {
    let lo = 0
    let hi = this.times.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.times[mid] < t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private trim(): void {
    const n = this.times.length
    if (n === 0) return
    const oldest = this.times[n - 1] - this.maxAgeMs
    let drop = Math.max(0, n - this.maxPoints)
    while (drop < n && this.times[drop] < oldest) drop++
    if (drop > 0) {
      this.times.splice(0, drop)
      this.values.splice(0, drop)
    }
  }
}

/** What a chart says it keeps: "the last 60 s (600 points, one every 100 ms)". */
export function keepsText(info: Pick<StreamInfo, 'window_points' | 'interval_ms'>): string {
  const points = info.window_points && info.window_points > 0 ? info.window_points : DEFAULT_WINDOW_POINTS
  const interval = info.interval_ms && info.interval_ms > 0 ? info.interval_ms : null
  if (!interval) return `Keeps the last ${points.toLocaleString()} points received`
  const spanS = (points * interval) / 1000
  const span = spanS >= 120 ? `${Math.round(spanS / 60)} min` : `${Math.round(spanS)} s`
  const every = interval >= 1000 ? `${interval / 1000} s` : `${interval} ms`
  return `Keeps the last ${span} (${points.toLocaleString()} points, one every ${every})`
}
