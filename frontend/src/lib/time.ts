/** Wall-clock formats for wire timestamps (`ts`, `t`: integer ms since the epoch). */

const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

const preciseClock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
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
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  const date = new Date(ms)
  return date.toDateString() === new Date().toDateString() ? clock.format(date) : dayClock.format(date)
}

/** `14:03:27.125`: for events close together (the Console's wire log). */
export function formatPreciseTime(ms: number): string {
  return preciseClock.format(ms)
}
