import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { mentionSegments } from './mentions'

interface MentionCase {
  text: string
  names: string[]
  why: string
}

// The same table tests/contract/test_mentions.py checks the server's rule with.
const { cases } = JSON.parse(
  readFileSync(new URL('../../../tests/contract/mention_cases.json', import.meta.url), 'utf8'),
) as { cases: MentionCase[] }

describe('mentionSegments', () => {
  it('reads the shared table', () => {
    expect(cases.length).toBeGreaterThan(10)
  })

  it.each(cases)('$why: $text', ({ text, names }) => {
    const segments = mentionSegments(text)
    expect(segments.filter((s) => s.mention).map((s) => s.text)).toEqual(names.map((n) => `@${n}`))
    expect(segments.map((s) => s.text).join('')).toBe(text)
    expect(segments.every((s) => s.text.length > 0)).toBe(true)
  })
})
