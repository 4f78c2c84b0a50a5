import { describe, expect, it } from 'vitest'

import type { LogLine } from '@/types/contract'
import { LogBuffer } from './logBuffer'
import { isDirective, LogView } from './logView'

const line = (seq: number, text: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({ seq, ts: seq, stream, text })

describe('isDirective', () => {
  it('knows the runner’s directives and nothing else', () => {
    expect(isDirective(line(1, '::step build'))).toBe(true)
    expect(isDirective(line(1, '::step-done'))).toBe(true)
    expect(isDirective(line(1, '::progress 40'))).toBe(true)
    expect(isDirective(line(1, '::progress abc'))).toBe(false) // malformed: an ordinary line
    expect(isDirective(line(1, '::step'))).toBe(false)
    expect(isDirective(line(1, '::step build', 'stderr'))).toBe(false)
  })
})

describe('LogView', () => {
  it('hides directives unless asked, and follows the buffer as it grows', () => {
    const buffer = new LogBuffer()
    const view = new LogView(buffer.lines)
    buffer.stage([line(1, '::step a'), line(2, 'one'), line(3, '::progress 50'), line(4, 'two')])
    buffer.flush()
    view.sync(buffer.dropped, buffer.resets)
    expect(view.rows.map((r) => r.seq)).toEqual([2, 4])
    view.setShowDirectives(true)
    expect(view.rows.map((r) => r.seq)).toEqual([1, 2, 3, 4])
    buffer.stage([line(5, 'three')])
    buffer.flush()
    view.sync(buffer.dropped, buffer.resets)
    expect(view.rows.at(-1)?.seq).toBe(5)
  })

  it('searches the whole log without a cap, also in lines that arrive later', () => {
    const buffer = new LogBuffer()
    const view = new LogView(buffer.lines)
    buffer.stage(Array.from({ length: 100_000 }, (_, i) => line(i + 1, `line ${i + 1} of 100000`)))
    buffer.flush()
    view.sync()
    const started = performance.now()
    view.setQuery('OF 100000')
    expect(view.matches.length).toBe(100_000)
    expect(performance.now() - started).toBeLessThan(1_000)
    view.setQuery('line 99999 ')
    expect(view.matches).toEqual([99_998])
    buffer.stage([line(100_001, 'line 99999 again')])
    buffer.flush()
    view.sync()
    expect(view.matches).toEqual([99_998, 100_000])
  })

  it('matches the text as shown, without ANSI escapes, and starts over when the buffer does', () => {
    const buffer = new LogBuffer()
    const view = new LogView(buffer.lines)
    buffer.stage([line(1, '\u001b[31merror\u001b[0m: boom')])
    buffer.flush()
    view.sync(0, buffer.resets)
    view.setQuery('error: boom')
    expect(view.matches).toEqual([0])
    buffer.reset()
    buffer.stage([line(1, 'fresh run')])
    buffer.flush()
    view.sync(0, buffer.resets)
    expect(view.rows.map((r) => r.text)).toEqual(['fresh run'])
    expect(view.matches).toEqual([])
    expect(view.indexOfSeq(1)).toBe(0)
    expect(view.indexOfSeq(2)).toBe(-1)
  })

  it('finds the first shown line printed at or after a time (an annotation link)', () => {
    const buffer = new LogBuffer()
    const view = new LogView(buffer.lines)
    const stamped = (seq: number, ts: number, text = `line ${seq}`) => ({ ...line(seq, text), ts })
    buffer.stage([stamped(1, 100), stamped(2, 200, '::progress 10'), stamped(3, 200), stamped(4, 350)])
    buffer.flush()
    view.sync()
    expect(view.rows[view.indexOfTime(150)].seq).toBe(3) // the directive at 200 is hidden
    expect(view.rows[view.indexOfTime(0)].seq).toBe(1)
    expect(view.rows[view.indexOfTime(350)].seq).toBe(4)
    expect(view.indexOfTime(351)).toBe(-1)
  })
})
