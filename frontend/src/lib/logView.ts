/**
 * What a log viewer shows of a task's lines: directive lines (`::step`,
 * `::progress`) hidden unless asked for, and search over the WHOLE log with
 * no cap on matches. Both are kept up to date incrementally as lines arrive
 * (the buffer only appends, or drops from the front), so a 100,000-line run
 * costs one pass, not one per frame.
 */
import type { LogLine } from '@/types/contract'
import { stripAnsi } from './ansi'

// The server's line protocol (backend/pulseboard/tasks/protocol.py): a malformed
// directive (`::progress abc`) is an ordinary line and stays visible.
const STEP = /^::step[ \t]+\S/
const STEP_DONE = /^::step-done[ \t]*$/
const PROGRESS = /^::progress[ \t]+([^ \t]+)[ \t]*$/

/** Whether `line` is a directive the runner acted on (stdout only). */
export function isDirective(line: Pick<LogLine, 'stream' | 'text'>): boolean {
  const text = line.text
  if (line.stream !== 'stdout' || !text.startsWith('::')) return false
  if (STEP.test(text) || STEP_DONE.test(text)) return true
  const progress = PROGRESS.exec(text)
  return progress !== null && progress[1] !== 'nan' && Number.isFinite(Number(progress[1]))
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export class LogView {
  /** The lines shown, oldest first. */
  rows: LogLine[] = []
  /** Indices into `rows` of the lines that match the query, ascending. */
  matches: number[] = []
  private pattern: RegExp | null = null
  private seen = 0
  private epoch = ''

  constructor(
    private readonly source: readonly LogLine[],
    private showDirectives = false,
  ) {}

  /**
   * Take in what the buffer gained since the last call. `dropped` (lines cut
   * from the front) and `resets` (the buffer started over) tell when the
   * lines already seen changed, which means starting over too.
   */
  sync(dropped = 0, resets = 0): void {
    const epoch = `${resets}:${dropped}`
    if (epoch !== this.epoch || this.source.length < this.seen) {
      this.epoch = epoch
      this.rebuild()
      return
    }
    this.append(this.seen)
  }

  /** Show or hide directive lines. */
  setShowDirectives(show: boolean): void {
    if (show === this.showDirectives) return
    this.showDirectives = show
    this.rebuild()
  }

  /** Search for `query` (case-insensitive, plain text); an empty query clears it. */
  setQuery(query: string): void {
    this.pattern = query ? new RegExp(escapeRegExp(query), 'i') : null
    this.matches = []
    if (this.pattern) for (let i = 0; i < this.rows.length; i++) this.test(i)
  }

  /** The row index of the line with `seq`, or of the nearest shown line after it; -1 if none. */
  indexOfSeq(seq: number): number {
    let lo = 0
    let hi = this.rows.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.rows[mid].seq < seq) lo = mid + 1
      else hi = mid
    }
    return lo < this.rows.length ? lo : -1
  }

  /**
   * The row index of the first shown line printed at or after `t` (ms); -1 if
   * none is (yet). A linear scan: `ts` follows `seq` but is not strictly
   * monotonic (stdout and stderr are read apart), and this runs once per link.
   */
  indexOfTime(t: number): number {
    return this.rows.findIndex((line) => line.ts >= t)
  }

  private rebuild(): void {
    this.rows = []
    this.matches = []
    this.append(0)
  }

  private append(from: number): void {
    const source = this.source
    for (let i = from; i < source.length; i++) {
      const line = source[i]
      if (!this.showDirectives && isDirective(line)) continue
      this.rows.push(line)
      if (this.pattern) this.test(this.rows.length - 1)
    }
    this.seen = source.length
  }

  private test(index: number): void {
    if ((this.pattern as RegExp).test(stripAnsi(this.rows[index].text))) this.matches.push(index)
  }
}
