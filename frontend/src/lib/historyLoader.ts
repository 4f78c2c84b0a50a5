/**
 * When a chart fetches stored history: one `HistoryLoader` per stream, told
 * after every draw what the chart shows (`want`). It asks only when the
 * HistorySeries does not cover that view, one request at a time (a reply
 * to an older request is dropped), at most one every MIN_FETCH_INTERVAL_MS,
 * and after a failure waits RETRY_MS, doubling up to RETRY_MAX_MS. Cheap
 * when nothing is due, so it can be told on every frame.
 */
import type { HistoryReply, HistorySeries } from './historySeries'
import { LIVE_HISTORY_MS } from './timeRange'

/** `max_points`' upper bound on the server. */
export const MAX_HISTORY_POINTS = 5000
export const RETRY_MS = 10_000
export const RETRY_MAX_MS = 300_000
export const MIN_FETCH_INTERVAL_MS = 300

/** What a chart shows: `[from, to]` in ms at about `width` points; `live` when it follows the newest point. */
export interface HistoryWant {
  from: number
  to: number
  width: number
  live: boolean
}

/** The `history` payload without its stream. */
export interface HistoryRange {
  from?: number
  to?: number
  max_points: number
}

/** Whether history is loading, and the last fetch's error. */
export interface HistoryStatus {
  loading: boolean
  error: string | null
}

export interface LoaderHooks {
  /** Send the `history` request. */
  request(range: HistoryRange): Promise<HistoryReply>
  /** The series got a new history (redraw it). */
  loaded(): void
  /** Loading started or ended. */
  status(status: HistoryStatus): void
  /** Whether a request can be sent now (the caller tells `want` again once connected). */
  connected(): boolean
  now?: () => number
}

export class HistoryLoader {
  private seq = 0
  private inflight = false
  private lastStart = Number.NEGATIVE_INFINITY
  private failedAt = 0
  private failures = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private latest: HistoryWant | null = null

  constructor(
    readonly series: HistorySeries,
    private readonly hooks: LoaderHooks,
  ) {}

  private now(): number {
    return (this.hooks.now ?? Date.now)()
  }

  /** The last view told, or null. */
  get wanted(): HistoryWant | null {
    return this.latest
  }

  /** The chart shows `want` now: fetch unless the series covers it or a fetch is already due. */
  want(want: HistoryWant): void {
    this.latest = want
    if (this.inflight || this.timer) return // the reply (or the timer) looks at the latest want
    if (this.series.covers(want.from, want.to, want.width)) return
    if (!this.hooks.connected()) return
    const backoff = this.failures ? Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** (this.failures - 1)) : 0
    const wait = Math.max(this.failedAt + backoff, this.lastStart + MIN_FETCH_INTERVAL_MS) - this.now()
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null
        if (this.latest) this.want(this.latest)
      }, wait)
      return
    }
    void this.fetch(want)
  }

  /** A new connection: the server may have history now, so a failure waits no longer. */
  resetBackoff(): void {
    this.failures = 0
    this.failedAt = 0
  }

  /** Stop: no timer left, a reply still on its way is dropped. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.seq++
    this.inflight = false
  }

  /** The request for `want`: following live, from at least an hour back to the server's now. */
  static rangeFor(want: HistoryWant, newest: number | null, now: number): HistoryRange {
    const max_points = Math.min(MAX_HISTORY_POINTS, Math.max(1, Math.round(want.width)))
    if (!want.live) return { from: Math.round(want.from), to: Math.round(want.to), max_points }
    return { from: Math.round(Math.min(want.from, (newest ?? now) - LIVE_HISTORY_MS)), max_points }
  }

  private async fetch(want: HistoryWant): Promise<void> {
    const range = HistoryLoader.rangeFor(want, this.series.newest, this.now())
    const seq = ++this.seq
    this.inflight = true
    this.lastStart = this.now()
    this.hooks.status({ loading: true, error: null })
    try {
      const reply = await this.hooks.request(range)
      if (seq !== this.seq) return
      this.series.setHistory(reply, range.max_points)
      this.failures = 0
      this.hooks.loaded()
      this.hooks.status({ loading: false, error: null })
    } catch (err) {
      if (seq !== this.seq) return
      this.failedAt = this.now()
      this.failures++
      this.hooks.status({ loading: false, error: (err as Error).message })
    } finally {
      if (seq === this.seq) this.inflight = false
    }
    // The view may have moved while this was on its way.
    if (this.latest && this.latest !== want) this.want(this.latest)
  }
}
