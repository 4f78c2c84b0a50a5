import { describe, expect, it } from 'vitest'

import type { LogLine } from '@/types/contract'
import {
  chartRangeHref,
  composeMessage,
  extrasPayload,
  HolderCounts,
  mergeTail,
  needsOlderFor,
  tailStart,
  visibleTail,
} from './chatEmbeds'

const line = (seq: number): LogLine => ({ seq, ts: seq * 1000, stream: 'stdout', text: `line ${seq}` })

describe('composeMessage', () => {
  it('sends plain text as it is, other slash commands included', () => {
    expect(composeMessage('  hello  ')).toEqual({ text: 'hello', embed: null })
    expect(composeMessage('/shrug')).toEqual({ text: '/shrug', embed: null })
    expect(composeMessage('/charts demo.sine')).toEqual({ text: '/charts demo.sine', embed: null })
  })

  it('attaches a stream with /chart, the rest being the text', () => {
    expect(composeMessage('/chart demo.sine')).toEqual({ text: '', embed: { kind: 'stream', stream: 'demo.sine' } })
    expect(composeMessage('/chart system.cpu  look at\nthis ')).toEqual({
      text: 'look at\nthis',
      embed: { kind: 'stream', stream: 'system.cpu' },
    })
  })

  it('attaches a run with /run, with or without #', () => {
    expect(composeMessage('/run 12')).toEqual({ text: '', embed: { kind: 'run', task_id: 12 } })
    expect(composeMessage('/run #7 it failed')).toEqual({ text: 'it failed', embed: { kind: 'run', task_id: 7 } })
  })

  it('explains a command without a valid target', () => {
    for (const draft of ['/chart', '/chart Demo.Sine', '/chart -x', `/chart ${'a'.repeat(65)}`]) {
      expect(composeMessage(draft)).toHaveProperty('error')
    }
    for (const draft of ['/run', '/run abc', '/run -1', '/run 1.5', `/run ${'9'.repeat(16)}`]) {
      expect(composeMessage(draft)).toHaveProperty('error')
    }
  })
})

describe('mergeTail', () => {
  it('keeps the newest lines in seq order without repeats', () => {
    const tail = mergeTail([line(1), line(2)], [line(2), line(4), line(3)], 3)
    expect(tail.map((l) => l.seq)).toEqual([2, 3, 4])
  })

  it('keeps ten lines by default', () => {
    const many = Array.from({ length: 25 }, (_, i) => line(i + 1))
    expect(mergeTail([], many).map((l) => l.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25])
  })

  it('shows the last lines without directives', () => {
    const lines = [line(1), { ...line(2), text: '::progress 50' }, line(3), { ...line(4), text: '::step build' }, line(5)]
    expect(visibleTail(lines, 2).map((l) => l.seq)).toEqual([3, 5])
    expect(visibleTail([{ ...line(6), stream: 'stderr', text: '::progress 5' }]).length).toBe(1) // stderr is text
  })

  it('starts reading ten lines before the end', () => {
    expect(tailStart(0)).toBe(0)
    expect(tailStart(4)).toBe(0)
    expect(tailStart(1000)).toBe(990)
  })
})

describe('chartRangeHref', () => {
  it('opens the dashboard five minutes either side', () => {
    expect(chartRangeHref(1_000_000_000)).toBe('/?from=999700000&to=1000300000')
  })
})

describe('HolderCounts', () => {
  it('says when the last holder lets go, once', () => {
    const counts = new HolderCounts<string>()
    counts.hold('a')
    counts.hold('a')
    expect(counts.release('a')).toBe(false)
    expect(counts.count('a')).toBe(1)
    expect(counts.release('a')).toBe(true)
    expect(counts.release('a')).toBe(false)
    expect(counts.count('a')).toBe(0)
  })
})

describe('needsOlderFor', () => {
  it('pages back only for a message older than the first one loaded', () => {
    expect(needsOlderFor([5, 6, 7], 6, true)).toBe(false)
    expect(needsOlderFor([5, 6, 7], 3, true)).toBe(true)
    expect(needsOlderFor([5, 6, 7], 3, false)).toBe(false)
    expect(needsOlderFor([5, 6, 7], 9, true)).toBe(false) // newer: it is not in this room
    expect(needsOlderFor([], 3, true)).toBe(true)
  })
})

describe('extrasPayload', () => {
  it('adds embed and annotate only when there are some', () => {
    expect(extrasPayload({})).toEqual({})
    expect(extrasPayload({ embed: null, annotate: false })).toEqual({})
    const embed = { kind: 'run' as const, task_id: 3 }
    expect(extrasPayload({ embed, annotate: true })).toEqual({ embed, annotate: true })
  })
})
