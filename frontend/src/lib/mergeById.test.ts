import { describe, expect, it } from 'vitest'

import { lastId, mergeById } from './mergeById'

const ids = (list: { id: number }[]) => list.map((m) => m.id)

describe('mergeById', () => {
  it('appends newer items and skips ones already there', () => {
    const list = [{ id: 1 }, { id: 2 }]
    expect(mergeById(list, [{ id: 2 }, { id: 3 }, { id: 4 }])).toBe(2)
    expect(ids(list)).toEqual([1, 2, 3, 4])
  })

  it('inserts older items in order (a resume that fills a gap)', () => {
    const list = [{ id: 1 }, { id: 5 }]
    expect(mergeById(list, [{ id: 3 }, { id: 1 }, { id: 4 }, { id: 0 }])).toBe(3)
    expect(ids(list)).toEqual([0, 1, 3, 4, 5])
  })

  it('keeps only the newest `cap` items', () => {
    const list = [{ id: 1 }]
    mergeById(list, [{ id: 2 }, { id: 3 }, { id: 4 }], 2)
    expect(ids(list)).toEqual([3, 4])
    expect(lastId(list)).toBe(4)
    expect(lastId([])).toBe(0)
  })
})
