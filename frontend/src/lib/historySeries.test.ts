import { describe, expect, it } from 'vitest'

import { HistorySeries } from './historySeries'

const reply = (from: number, to: number, step: number, points: [number, number][]) => ({ from, to, step_ms: step, points })

describe('HistorySeries', () => {
  it('draws history before the live points, never a bucket over the raw points it was made of', () => {
    const s = new HistorySeries(2000)
    s.resetRecent([[10_000, 10], [10_100, 11]])
    // buckets of 1 s: the one starting at 9500 reaches into the live points and is dropped
    s.setHistory(reply(0, 10_100, 1000, [[7000, 7], [8000, 8], [9500, 9.5], [10_000, 99]]), 100)
    expect(s.historyCount).toBe(2)
    // 8000 → 10_000 is 2 s: not a gap at 3 steps (3 s)
    expect(s.toAligned()).toEqual([[7, 8, 10, 10.1], [7, 8, 10, 11]])
    s.mergeLive([[10_200, 12]])
    expect(s.toAligned()[0].at(-1)).toBe(10.2)
    expect(s.newest).toBe(10_200)
  })

  it('puts a gap where stored points are further apart than the stream allows', () => {
    const s = new HistorySeries(2000)
    s.setHistory(reply(0, 20_000, 0, [[1000, 1], [2000, 2], [12_000, 3]]), 100)
    expect(s.toAligned()).toEqual([[1, 2, 7, 12], [1, 2, null, 3]])
    expect(s.newest).toBe(12_000)
  })

  it('drops unsorted or non-finite stored points', () => {
    const s = new HistorySeries()
    s.setHistory(reply(0, 10, 0, [[3, 1], [2, 2], [4, Number.NaN], [5, 5]]), 10)
    expect(s.times).toEqual([3, 5])
  })

  it('starts the live points again on a new subscription', () => {
    const s = new HistorySeries()
    s.mergeLive([[1, 1], [2, 2]])
    s.resetRecent([[5, 5]])
    expect(s.recent.times).toEqual([5])
  })

  it('says when a view needs a fetch: outside what was loaded, or too coarse for its width', () => {
    const s = new HistorySeries()
    expect(s.covers(0, 1000, 100)).toBe(false) // nothing loaded yet
    s.setHistory(reply(100_000, 200_000, 100, []), 1000)
    expect(s.covers(100_000, 200_000, 1000)).toBe(true)
    expect(s.covers(150_000, 160_000, 1000)).toBe(false) // 10 ms a pixel: 100 ms buckets are too coarse
    expect(s.covers(150_000, 160_000, 150)).toBe(true)
    expect(s.covers(150_000, 160_000, 151)).toBe(false) // 1.5 × 66 ms < 100 ms
    expect(s.covers(50_000, 150_000, 1000)).toBe(false) // before the loaded range
    expect(s.covers(150_000, 250_000, 1000)).toBe(false) // after it, and no live points
    s.resetRecent([[190_000, 1]])
    // the live points start before the loaded end: they cover the rest, whatever it moves to
    expect(s.covers(150_000, 250_000, 500)).toBe(true)
    expect(s.covers(195_000, 300_000, 5000)).toBe(true) // drawn from live points alone
  })

  it('keeps a bounded number of live points: once they no longer reach the loaded end, a fetch is due', () => {
    const s = new HistorySeries(0, 3)
    s.setHistory(reply(0, 1000, 0, []), 100)
    s.resetRecent([[900, 1]])
    expect(s.covers(0, 5000, 100)).toBe(true)
    s.mergeLive([[1100, 1], [1200, 1], [1300, 1]])
    expect(s.recent.times).toEqual([1100, 1200, 1300])
    expect(s.covers(0, 5000, 100)).toBe(false)
  })
})
