import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { HistoryLoader, MIN_FETCH_INTERVAL_MS, RETRY_MS, type HistoryRange, type HistoryStatus } from './historyLoader'
import { HistorySeries, type HistoryReply } from './historySeries'

const HOUR = 3600_000
const T = 1_764_000_000_000

/** A loader whose requests wait until the test answers them. */
function setup(connected = true) {
  const series = new HistorySeries()
  const requests: { range: HistoryRange; resolve: (r: HistoryReply) => void; reject: (e: Error) => void }[] = []
  const statuses: HistoryStatus[] = []
  let loaded = 0
  const state = { connected }
  const loader = new HistoryLoader(series, {
    request: (range) => new Promise((resolve, reject) => requests.push({ range, resolve, reject })),
    loaded: () => loaded++,
    status: (s) => statuses.push(s),
    connected: () => state.connected,
    now: () => Date.now(),
  })
  return { series, loader, requests, statuses, state, loaded: () => loaded }
}

const reply = (range: HistoryRange, step = 0): HistoryReply => ({
  from: range.from ?? T - HOUR,
  to: range.to ?? T,
  step_ms: step,
  points: [[range.from ?? T - HOUR, 1]],
})

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(T)
})
afterEach(() => vi.useRealTimers())

describe('HistoryLoader', () => {
  it('fetches a fixed view once, with max_points the plot width, and not again while it covers it', async () => {
    const { loader, requests, statuses, loaded } = setup()
    const want = { from: T - 2 * HOUR, to: T - HOUR, width: 480.4, live: false }
    loader.want(want)
    loader.want({ ...want }) // every frame tells it again: still one request
    expect(requests.map((r) => r.range)).toEqual([{ from: T - 2 * HOUR, to: T - HOUR, max_points: 480 }])
    requests[0].resolve(reply(requests[0].range))
    await vi.runAllTimersAsync()
    expect(loaded()).toBe(1)
    expect(statuses).toEqual([{ loading: true, error: null }, { loading: false, error: null }])
    vi.advanceTimersByTime(10_000)
    loader.want({ ...want })
    // a pan inside what was loaded: nothing to fetch
    loader.want({ ...want, from: want.from + 60_000, to: want.to - 60_000 })
    expect(requests).toHaveLength(1)
    // a pan beyond it: fetched
    loader.want({ ...want, from: want.from - HOUR / 2, to: want.to - HOUR / 2 })
    expect(requests).toHaveLength(2)
  })

  it('following live, loads at least the last hour up to the server now (no `to`)', () => {
    const { loader, requests, series } = setup()
    series.resetRecent([[T - 30_000, 1], [T - 1000, 2]])
    loader.want({ from: T - 61_000, to: T - 1000, width: 5000.6, live: true })
    expect(requests[0].range).toEqual({ from: T - 1000 - HOUR, max_points: 5000 })
    expect(HistoryLoader.rangeFor({ from: T - 6 * HOUR, to: T, width: 9000, live: true }, T, T)).toEqual({
      from: T - 6 * HOUR,
      max_points: 5000,
    })
  })

  it('waits while disconnected: the owner tells it again once connected', () => {
    const { loader, requests, state } = setup(false)
    const want = { from: T - HOUR, to: T, width: 100, live: false }
    loader.want(want)
    expect(requests).toHaveLength(0)
    state.connected = true
    loader.want(loader.wanted!)
    expect(requests).toHaveLength(1)
  })

  it('drops the reply of an older request and asks for the view it moved to', async () => {
    const { loader, requests, series } = setup()
    loader.want({ from: T - 3 * HOUR, to: T - 2 * HOUR, width: 100, live: false })
    const moved = { from: T - 5 * HOUR, to: T - 4 * HOUR, width: 100, live: false }
    loader.want(moved) // while the first is on its way: remembered, not sent
    expect(requests).toHaveLength(1)
    requests[0].resolve(reply(requests[0].range))
    await vi.advanceTimersByTimeAsync(MIN_FETCH_INTERVAL_MS)
    expect(requests).toHaveLength(2)
    expect(requests[1].range.from).toBe(moved.from)
    loader.dispose() // e.g. the stream was deselected: its reply is dropped
    requests[1].resolve(reply(requests[1].range))
    await vi.runAllTimersAsync()
    expect(series.loaded?.from).toBe(T - 3 * HOUR)
  })

  it('waits after a failure, longer after each, and retries at once after resetBackoff', async () => {
    const { loader, requests, statuses } = setup()
    const want = { from: T - HOUR, to: T, width: 100, live: false }
    loader.want(want)
    requests[0].reject(new Error('no history here'))
    await vi.advanceTimersByTimeAsync(0)
    expect(statuses.at(-1)).toEqual({ loading: false, error: 'no history here' })
    loader.want({ ...want })
    await vi.advanceTimersByTimeAsync(RETRY_MS - 1)
    expect(requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(requests).toHaveLength(2)
    requests[1].reject(new Error('still none'))
    await vi.advanceTimersByTimeAsync(0)
    loader.want({ ...want })
    await vi.advanceTimersByTimeAsync(RETRY_MS * 2 - 1)
    expect(requests).toHaveLength(2)
    loader.dispose()
    loader.resetBackoff()
    loader.want({ ...want })
    expect(requests).toHaveLength(3)
  })
})
