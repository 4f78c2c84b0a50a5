import { describe, expect, it } from 'vitest'

import { keepsText, PointWindow } from './pointWindow'

describe('PointWindow', () => {
  it('merges by time and drops points whose time it already has', () => {
    const w = new PointWindow()
    expect(w.merge([[1000, 1], [2000, 2]])).toBe(2)
    // a reconnect's window overlaps what arrived live
    expect(w.merge([[1000, 1], [2000, 2], [3000, 3]])).toBe(1)
    expect(w.merge([[1500, 1.5]])).toBe(1)
    expect(w.times).toEqual([1000, 1500, 2000, 3000])
    expect(w.values).toEqual([1, 1.5, 2, 3])
    expect(w.latest).toBe(3)
  })

  it('keeps at most maxPoints', () => {
    const w = new PointWindow(3)
    w.merge([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]])
    expect(w.times).toEqual([3, 4, 5])
  })

  it('drops points older than maxAgeMs behind the newest', () => {
    const w = new PointWindow(100, 1000)
    w.merge([[0, 0], [500, 1], [1200, 2], [1600, 3]])
    expect(w.times).toEqual([1200, 1600])
    expect(w.toAligned()).toEqual([[1.2, 1.6], [2, 3]])
  })

  it('ignores non-finite points', () => {
    const w = new PointWindow()
    expect(w.merge([[Number.NaN, 1], [1, Number.POSITIVE_INFINITY]])).toBe(0)
    expect(w.length).toBe(0)
  })

  it('draws a gap as a gap: a null between points further apart than the stream allows', () => {
    const w = PointWindow.forStream({ window_points: 600, interval_ms: 100 })
    expect(w.maxAgeMs).toBe(60_000)
    w.merge([[0, 1], [100, 2], [200, 3], [10_200, 4], [10_300, 5]])
    expect(w.toAligned()).toEqual([[0, 0.1, 0.2, 5.2, 10.2, 10.3], [1, 2, 3, null, 4, 5]])
  })

  it('guesses the gap of a stream without an interval from its own spacing', () => {
    const w = PointWindow.forStream({})
    w.merge([[0, 1], [1000, 2], [2000, 3], [3000, 4], [60_000, 5]])
    expect(w.toAligned()[1]).toEqual([1, 2, 3, 4, null, 5])
    expect(w.maxPoints).toBe(600)
  })

  it('says what each stream keeps', () => {
    expect(keepsText({ window_points: 600, interval_ms: 100 })).toBe(
      'Keeps the last 60 s (600 points, one every 100 ms)',
    )
    expect(keepsText({ window_points: 600, interval_ms: 1000 })).toBe(
      'Keeps the last 10 min (600 points, one every 1 s)',
    )
    expect(keepsText({ window_points: 300, interval_ms: null })).toBe('Keeps the last 300 points received')
    expect(keepsText({})).toBe('Keeps the last 600 points received')
  })
})
