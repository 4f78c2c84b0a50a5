import { describe, expect, it } from 'vitest'

import { describeView, fixed, LIVE, MAX_SPAN_MS, MIN_SPAN_MS, pan, parseRangeQuery, rangeQuery, reachesNow, viewBounds, zoom } from './timeRange'

const T = 1_764_000_000_000 // Nov 2025

describe('parseRangeQuery', () => {
  it('reads a fixed range from ?from&to', () => {
    expect(parseRangeQuery({ from: String(T), to: String(T + 3600_000) })).toEqual({ kind: 'fixed', from: T, to: T + 3600_000 })
    // a repeated parameter: the first one counts
    expect(parseRangeQuery({ from: [String(T), '5'], to: String(T + 60_000) })).toEqual({ kind: 'fixed', from: T, to: T + 60_000 })
  })

  it('ignores what is not a range: follow live', () => {
    for (const query of [
      {},
      { from: String(T) },
      { to: String(T) },
      { from: 'abc', to: String(T) },
      { from: String(T), to: '1e12' },
      { from: '-5', to: String(T) },
      { from: String(T + 1), to: String(T) },
      { from: String(T), to: String(T) },
      { from: '12', to: '5000' },
      { from: String(T), to: String(T + MAX_SPAN_MS + 1) },
      { from: '99999999999999999999', to: '99999999999999999999' },
      { from: null, to: null },
      { from: `${T}.5`, to: String(T + 60_000) },
    ]) {
      expect(parseRangeQuery(query), JSON.stringify(query)).toBeNull()
    }
  })

  it('widens a range shorter than the minimum around its middle', () => {
    expect(parseRangeQuery({ from: String(T), to: String(T + 2000) })).toEqual({
      kind: 'fixed',
      from: T + 1000 - MIN_SPAN_MS / 2,
      to: T + 1000 + MIN_SPAN_MS / 2,
    })
  })
})

describe('view ranges', () => {
  it('round-trips through the query', () => {
    const view = fixed(T, T + 600_000)
    expect(parseRangeQuery(rangeQuery(view))).toEqual(view)
    expect(rangeQuery(LIVE)).toEqual({})
  })

  it('bounds a live view at the newest point, with its own span or the fallback', () => {
    expect(viewBounds(LIVE, T, 60_000)).toEqual([T - 60_000, T])
    expect(viewBounds({ kind: 'live', spanMs: 3600_000 }, T, 60_000)).toEqual([T - 3600_000, T])
    expect(viewBounds(fixed(T, T + 60_000), 0, 1)).toEqual([T, T + 60_000])
  })

  it('pans by a fraction of the width, fixing a live view first', () => {
    expect(pan(LIVE, -0.5, T, 60_000)).toEqual({ kind: 'fixed', from: T - 90_000, to: T - 30_000 })
    expect(pan(fixed(T, T + 100_000), 0.25, 0, 0)).toEqual({ kind: 'fixed', from: T + 25_000, to: T + 125_000 })
  })

  it('zooms out around the middle, never wider than the maximum', () => {
    expect(zoom(fixed(T, T + 100_000), 2, 0, 0)).toEqual({ kind: 'fixed', from: T - 50_000, to: T + 150_000 })
    const wide = zoom(fixed(T, T + MAX_SPAN_MS), 2, 0, 0)
    expect(wide.to - wide.from).toBe(MAX_SPAN_MS)
  })

  it('says whether a view reaches now', () => {
    expect(reachesNow(fixed(T, T + 60_000), T + 60_001)).toBe(false)
    expect(reachesNow(fixed(T, T + 60_000), T + 60_000)).toBe(true)
    expect(reachesNow(LIVE, 0)).toBe(true)
  })

  it('describes a view', () => {
    expect(describeView(LIVE)).toBe('Live')
    expect(describeView({ kind: 'live', spanMs: 3600_000 })).toBe('Live · last 1 h')
    expect(describeView({ kind: 'live', spanMs: 6 * 3600_000 })).toBe('Live · last 6 h')
    expect(describeView({ kind: 'live', spanMs: 45_000 })).toBe('Live · last 45 s')
    expect(describeView({ kind: 'live', spanMs: 3 * 24 * 3600_000 })).toBe('Live · last 3 d')
    expect(describeView(fixed(T, T + 60_000))).toMatch(/ – /)
  })
})
