import { describe, expect, it } from 'vitest'

import { jsonSerializer, stringsOr } from './storedJson'

describe('jsonSerializer', () => {
  const strings = jsonSerializer(stringsOr(['fallback']))

  it('reads what it wrote', () => {
    expect(strings.read(strings.write(['a', 'b']))).toEqual(['a', 'b'])
    expect(strings.write(['a'])).toBe('["a"]')
  })

  it('never throws on what it cannot read: the fallback instead', () => {
    expect(strings.read('not json')).toEqual(['fallback'])
    expect(strings.read('{"a": 1}')).toEqual(['fallback'])
    expect(strings.read('null')).toEqual(['fallback'])
  })

  it('keeps only the strings of an array', () => {
    expect(strings.read('["a", 1, null, "b"]')).toEqual(['a', 'b'])
    expect(strings.read('[]')).toEqual([])
  })
})
