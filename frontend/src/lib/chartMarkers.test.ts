import { describe, expect, it } from 'vitest'

import type { Annotation } from '@/types/contract'
import {
  belongsTo,
  chartPathAround,
  markerColor,
  markerLabel,
  markerLanes,
  markerTooltip,
  visibleMarkers,
} from './chartMarkers'

function annotation(over: Partial<Annotation> = {}): Annotation {
  return {
    id: 'run:12:start', kind: 'run', t: 1_000, title: 'run #12 deploy started', detail: null,
    severity: 'info', streams: null,
    link: { kind: 'run', task_id: 12, at: 1_000, path: '/tasks/12?at=1000' },
    ...over,
  }
}

describe('chart markers', () => {
  it('colours by severity, chat in its own colour', () => {
    const colours = new Set(
      (['info', 'success', 'warning', 'critical'] as const).map((severity) => markerColor({ kind: 'run', severity })),
    )
    expect(colours.size).toBe(4)
    expect(markerColor({ kind: 'alert', severity: 'critical' })).toBe(markerColor({ kind: 'run', severity: 'critical' }))
    const chat = markerColor({ kind: 'chat', severity: 'info' })
    expect(colours.has(chat)).toBe(false)
  })

  it('names what happened and where a marker leads', () => {
    expect(markerLabel(annotation())).toMatch(/^run #12 deploy started at .+: open the run's log at this time$/)
    expect(markerLabel(annotation({ kind: 'alert' }))).toMatch(/: open the alert$/)
    expect(markerLabel(annotation({ kind: 'chat' }))).toMatch(/: open the message in its room$/)
    expect(markerTooltip(annotation({ detail: 'started by ann' })).split('\n').slice(0, 2)).toEqual([
      'run #12 deploy started',
      'started by ann',
    ])
    expect(markerTooltip(annotation()).split('\n')).toHaveLength(2) // no empty detail line
  })

  it('puts null-stream annotations on every chart and the others on theirs only', () => {
    expect(belongsTo({ streams: null }, 'demo.sine')).toBe(true)
    expect(belongsTo({ streams: ['app.load'] }, 'app.load')).toBe(true)
    expect(belongsTo({ streams: ['app.load'] }, 'demo.sine')).toBe(false)
    expect(belongsTo({ streams: [] }, 'demo.sine')).toBe(false)
  })

  it('keeps the visible ones, the newest when there are too many', () => {
    const list = [1, 2, 3, 4, 5, 6].map((t) => ({ t }))
    expect(visibleMarkers(list, 2, 5).map((a) => a.t)).toEqual([2, 3, 4, 5])
    expect(visibleMarkers(list, 0, 10, 2).map((a) => a.t)).toEqual([5, 6])
    expect(visibleMarkers(list, 7, 9)).toEqual([])
  })

  it('opens the dashboard five minutes either side of an instant', () => {
    expect(chartPathAround(1_000_000)).toBe('/?from=700000&to=1300000')
    expect(chartPathAround(1_000_000.4, 1_000)).toBe('/?from=999000&to=1001000')
  })

  it('puts heads closer than a head apart in lanes, so each can be clicked', () => {
    // A run's start and end 3 px apart (a half-second run on a minute's axis), then one far off.
    expect(markerLanes([100, 103, 300], 14, 4)).toEqual([0, 1, 0])
    expect(markerLanes([100, 114, 128], 14, 4)).toEqual([0, 0, 0])
    expect(markerLanes([100, 101, 102, 103, 104, 105], 14, 4)).toEqual([0, 1, 2, 3, 3, 3])
    expect(markerLanes([])).toEqual([])
  })
})
