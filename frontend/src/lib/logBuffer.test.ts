import { describe, expect, it } from 'vitest'

import type { LogLine } from '@/types/contract'
import { LogBuffer } from './logBuffer'

const line = (seq: number): LogLine => ({ seq, ts: seq, stream: 'stdout', text: `line ${seq}` })
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i))

describe('LogBuffer', () => {
  it('stages lines and applies them on flush', () => {
    const buffer = new LogBuffer()
    expect(buffer.stage(range(1, 3))).toBe(3)
    expect(buffer.lines).toHaveLength(0)
    expect(buffer.pending).toBe(true)
    expect(buffer.flush()).toBe(3)
    expect(buffer.lines.map((l) => l.seq)).toEqual([1, 2, 3])
    expect(buffer.pending).toBe(false)
  })

  it('drops lines at or below the last seq (a resume overlapping a live frame)', () => {
    const buffer = new LogBuffer()
    buffer.stage(range(1, 5))
    expect(buffer.stage(range(4, 7))).toBe(2)
    buffer.flush()
    expect(buffer.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(buffer.lastSeq).toBe(7)
  })

  it('keeps at most maxLines, counting what it dropped', () => {
    const buffer = new LogBuffer(1000)
    buffer.stage(range(1, 2500))
    buffer.flush()
    expect(buffer.lines).toHaveLength(1000)
    expect(buffer.lines[0].seq).toBe(1501)
    expect(buffer.dropped).toBe(1500)
  })
})
