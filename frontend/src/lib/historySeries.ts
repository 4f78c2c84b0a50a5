/**
 * What a chart draws: stored history (the `/charts` `history` ack: raw points
 * or `step_ms`-wide bucket means) with the live points on top.
 *
 * `recent` holds every point received since the last subscribe (its ack's
 * window, then each `points` frame), contiguous from its first point, bounded
 * by RECENT_POINTS. History is used only before the first recent point: a
 * bucket mean never mixes with the raw points it was made of. Each history
 * fetch replaces the previous one; `covers` says whether a view can be drawn
 * from what is here or needs a fetch, so a chart fetches on a zoom, a pan or a
 * resize to a finer resolution, not on every frame.
 */
import type { Point } from '@/types/contract'
import type { AlignedData } from './pointWindow'
import { PointWindow } from './pointWindow'

/** The most live points kept beyond history: about 17 minutes of a 10 Hz stream. */
export const RECENT_POINTS = 10_000

/** The `history` ack's fields this needs. */
export interface HistoryReply {
  from: number
  to: number
  step_ms: number
  points: readonly Point[]
}

/** A fetched range: what was asked for and at which resolution it came back. */
export interface Loaded {
  from: number
  to: number
  stepMs: number
  /** The `max_points` asked for. */
  maxPoints: number
}

export class HistorySeries {
  times: number[] = []
  values: number[] = []
  loaded: Loaded | null = null
  readonly recent: PointWindow

  /** @param gapMs points further apart than this are drawn with a gap (0: guess from the live points) */
  constructor(
    public gapMs = 0,
    recentPoints = RECENT_POINTS,
  ) {
    this.recent = new PointWindow(recentPoints)
  }

  /** Replace the stored history with a `history` ack asked with `maxPoints`. */
  setHistory(reply: HistoryReply, maxPoints: number): void {
    const times: number[] = []
    const values: number[] = []
    let last = Number.NEGATIVE_INFINITY
    for (const [t, v] of reply.points) {
      // The server sends them oldest first; anything else is dropped, not sorted.
      if (!Number.isFinite(t) || !Number.isFinite(v) || t <= last) continue
      times.push(t)
      values.push(v)
      last = t
    }
    this.times = times
    this.values = values
    this.loaded = { from: reply.from, to: reply.to, stepMs: Math.max(0, reply.step_ms || 0), maxPoints }
  }

  /** A new subscription: the live points start again from its ack's window. */
  resetRecent(points: readonly Point[]): void {
    this.recent.times.length = 0
    this.recent.values.length = 0
    this.recent.merge(points)
  }

  /** Live points (a `points` frame); returns how many were new. */
  mergeLive(points: readonly Point[]): number {
    return this.recent.merge(points)
  }

  /** The newest time held, or null. */
  get newest(): number | null {
    const n = this.recent.length
    if (n) return this.recent.times[n - 1]
    return this.times.length ? this.times[this.times.length - 1] : null
  }

  /** Points drawn from history (the ones before the live points). */
  get historyCount(): number {
    return this.historyEnd()
  }

  /** Index in `times` of the first history point the live points replace. */
  private historyEnd(): number {
    if (!this.recent.length) return this.times.length
    const first = this.recent.times[0]
    const step = this.loaded?.stepMs ?? 0
    // A bucket that reaches into the live points is partial: the raw points draw that time.
    let end = this.times.length
    while (end > 0 && this.times[end - 1] + step >= first) end--
    return end
  }

  /**
   * Whether `[from, to]` can be drawn from what is here at about `width`
   * points: the history asked for covers it (the live points cover what is
   * after it, if they start before its end) at a step no coarser than 1.5
   * times the view's pixel step (a zoom in by 2 fetches again, a pan does not).
   */
  covers(from: number, to: number, width: number): boolean {
    const loaded = this.loaded
    if (!loaded) return false
    const first = this.recent.length ? this.recent.times[0] : Number.POSITIVE_INFINITY
    // The live points alone draw a view they reach back over.
    if (from >= first) return true
    if (from < loaded.from) return false
    const reachesLive = first <= loaded.to
    if (to > loaded.to && !reachesLive) return false
    const pixelMs = (to - from) / Math.max(1, width)
    return loaded.stepMs <= 1.5 * pixelMs
  }

  /** The gap threshold: the stream's, else guessed from the live points, never finer than 3 history steps. */
  gapThreshold(): number {
    const step = this.loaded?.stepMs ?? 0
    const base = this.gapMs > 0 ? this.gapMs : this.recent.gapThreshold()
    return Math.max(base, 3 * step)
  }

  /** The data uPlot draws: x in seconds, y; a `null` between two points a gap apart. */
  toAligned(): AlignedData {
    const xs: number[] = []
    const ys: (number | null)[] = []
    const gap = this.gapThreshold()
    let previous = Number.NaN
    const push = (t: number, v: number) => {
      if (t - previous > gap) {
        xs.push((t + previous) / 2000)
        ys.push(null)
      }
      xs.push(t / 1000)
      ys.push(v)
      previous = t
    }
    const end = this.historyEnd()
    for (let i = 0; i < end; i++) push(this.times[i], this.values[i])
    const { times, values } = this.recent
    for (let i = 0; i < times.length; i++) push(times[i], values[i])
    return [xs, ys]
  }
}
