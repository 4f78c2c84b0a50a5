import { describe, expect, it } from 'vitest'

import { PointWindow } from './pointWindow'

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
})
