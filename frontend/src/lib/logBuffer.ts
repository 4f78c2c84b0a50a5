/**
 * A task's log lines in seq order, bounded, with incoming lines staged and
 * applied once per frame. Lines at or below the last seq seen are dropped, so
 * a resubscribe with `after_seq` and a live frame may overlap safely.
 */
import type { LogLine } from '@/types/contract'

/** Lines kept in the tab; older ones stay in the downloadable log. */
export const MAX_LOG_LINES = 200_000

export class LogBuffer {
  /** Plain (non-reactive) array: 100,000 reactive rows would cost far too much. */
  readonly lines: LogLine[] = []
  /** Lines dropped from the front to stay within `maxLines`. */
  dropped = 0
  lastSeq = 0
  /** How many times `reset` ran: a view of the lines starts over when it moves. */
  resets = 0
  private staged: LogLine[] = []

  constructor(readonly maxLines = MAX_LOG_LINES) {}

  /** Stage lines to apply on the next `flush`; returns how many are new. */
  stage(lines: readonly LogLine[]): number {
    let fresh = 0
    for (const line of lines) {
      if (line.seq <= this.lastSeq) continue
      this.staged.push(line)
      this.lastSeq = line.seq
      fresh++
    }
    return fresh
  }

  /** Whether lines are waiting for `flush`. */
  get pending(): boolean {
    return this.staged.length > 0
  }

  /** Apply the staged lines; returns how many were applied. */
  flush(): number {
    const count = this.staged.length
    if (count === 0) return 0
    for (const line of this.staged) this.lines.push(line)
    this.staged = []
    const excess = this.lines.length - this.maxLines
    if (excess > 0) {
      this.lines.splice(0, excess)
      this.dropped += excess
    }
    return count
  }

  reset(): void {
    this.resets++
    this.lines.length = 0
    this.staged = []
    this.dropped = 0
    this.lastSeq = 0
  }
}
