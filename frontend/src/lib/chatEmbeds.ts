/**
 * Chat embeds, the pure parts: the composer's `/chart <stream>` and
 * `/run <id>` commands, a run embed's log tail, the "show on chart" range,
 * and shared counts of what the chat's embeds subscribed to.
 */
import type { LogLine, RunEmbed, StreamEmbed } from '@/types/contract'
import { isDirective } from './logView'

export type Embed = StreamEmbed | RunEmbed

/** What a message carries besides its text. */
export interface MessageExtras {
  embed?: Embed | null
  /** Room messages only: draw it on the charts (the `annotate` field, see docs/contract.md). */
  annotate?: boolean
}

/** The fields a `message`/`dm` payload gets for `extras`: none when there are none. */
export function extrasPayload(extras: MessageExtras): { embed?: Embed; annotate?: true } {
  return { ...(extras.embed ? { embed: extras.embed } : {}), ...(extras.annotate ? { annotate: true as const } : {}) }
}

/** A stream name as the server accepts one (charts/streams.py). */
const STREAM_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/
const COMMAND = /^\/(chart|run)(?:\s+(\S+))?(?:\s+([\s\S]*))?$/

/** What the composer sends: text and an optional embed, or why it cannot be sent. */
export type Composed = { text: string; embed: Embed | null } | { error: string }

/**
 * Read the composer's text: `/chart <stream> [text]` and `/run <id> [text]`
 * attach an embed (the rest is the message's text, possibly empty); any other
 * text, a `/` command included, is sent as it is.
 */
export function composeMessage(draft: string): Composed {
  const text = draft.trim()
  const match = COMMAND.exec(text)
  if (!match) return { text, embed: null }
  const [, command, target = '', rest = ''] = match
  if (command === 'chart') {
    if (!STREAM_NAME.test(target)) return { error: 'Write /chart and a stream name, e.g. /chart demo.sine.' }
    return { text: rest.trim(), embed: { kind: 'stream', stream: target } }
  }
  const id = /^#?(\d{1,15})$/.exec(target)
  if (!id) return { error: 'Write /run and a run id, e.g. /run 12.' }
  return { text: rest.trim(), embed: { kind: 'run', task_id: Number(id[1]) } }
}

/** How many lines a run embed shows. */
export const TAIL_LINES = 10
/** How many it keeps and reads: directive lines (`::progress`) are hidden, as in the log viewer. */
export const TAIL_KEEP = 40

/** The last `count` lines a person reads: directives left out. */
export function visibleTail(lines: readonly LogLine[], count = TAIL_LINES): LogLine[] {
  return lines.filter((line) => !isDirective(line)).slice(-count)
}

/** `tail` with `incoming` merged in by seq (no repeats), the newest `keep` lines, oldest first. */
export function mergeTail(tail: readonly LogLine[], incoming: readonly LogLine[], keep = TAIL_LINES): LogLine[] {
  const bySeq = new Map<number, LogLine>()
  for (const line of tail) bySeq.set(line.seq, line)
  for (const line of incoming) bySeq.set(line.seq, line)
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-keep)
}

/** Where a run embed's tail starts reading: `keep` lines before the run's last one. */
export function tailStart(lineCount: number, keep = TAIL_LINES): number {
  return Math.max(0, lineCount - keep)
}

/** Half the time range "show on chart" opens around a moment. */
export const CHART_SPAN_MS = 5 * 60_000

/** The dashboard at the ten minutes around `ts` (the dashboard reads `from`/`to` from its URL). */
export function chartRangeHref(ts: number): string {
  return `/?from=${ts - CHART_SPAN_MS}&to=${ts + CHART_SPAN_MS}`
}

/**
 * How many holders each key has: several embeds of one stream (or run) share
 * one server subscription, which ends only when the last of them lets go.
 */
export class HolderCounts<K> {
  private readonly counts = new Map<K, number>()

  /** One more holder of `key`. */
  hold(key: K): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  /** One holder fewer; true when it was the last one (unsubscribe then). */
  release(key: K): boolean {
    const count = this.counts.get(key) ?? 0
    if (count <= 1) {
      this.counts.delete(key)
      return count === 1
    }
    this.counts.set(key, count - 1)
    return false
  }

  count(key: K): number {
    return this.counts.get(key) ?? 0
  }
}

/**
 * Whether to load an older page to find message `target`: it is not among
 * `ids` (oldest first), older messages exist, and it is older than the first.
 */
export function needsOlderFor(ids: readonly number[], target: number, hasOlder: boolean): boolean {
  if (ids.includes(target)) return false
  return hasOlder && (ids.length === 0 || target < ids[0])
}
