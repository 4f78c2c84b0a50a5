/** Timestamps on the wire are ms since the epoch; older servers may send ISO strings. */
import type { Timestamp } from '@/types/contract'

/** Milliseconds since the epoch for a wire timestamp (NaN if unreadable). */
export function toMillis(ts: Timestamp | null | undefined): number {
  if (ts === null || ts === undefined) return Number.NaN
  if (typeof ts === 'number') return ts < 1e11 ? ts * 1000 : ts // seconds, just in case
  return Date.parse(ts)
}

const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})
const dayClock = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** `14:03:27` for today, `Mar 3, 14:03` for other days, `—` when unknown. */
export function formatTime(ts: Timestamp | null | undefined): string {
  const ms = toMillis(ts)
  if (Number.isNaN(ms)) return '—'
  const date = new Date(ms)
  return date.toDateString() === new Date().toDateString() ? clock.format(date) : dayClock.format(date)
}
