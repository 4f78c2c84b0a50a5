/**
 * A chart's bounded window of `[t_ms, value]` points, kept sorted by time.
 * The subscribe ack and the `points` frames may overlap (and repeat after a
 * reconnect): a point whose time is already present is dropped.
 */
import type { Point } from '@/types/contract'

export class PointWindow {
  /** Times in ms, ascending. */
  readonly times: number[] = []
  readonly values: number[] = []

  /**
   * @param maxPoints keep at most this many points
   * @param maxAgeMs drop points older than this, measured from the newest
   */
  constructor(
    readonly maxPoints = 600,
    readonly maxAgeMs = 5 * 60_000,
  ) {}

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

  /** The data uPlot draws: x in seconds, y. */
  toAligned(): [number[], number[]] {
    return [this.times.map((t) => t / 1000), this.values.slice()]
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
