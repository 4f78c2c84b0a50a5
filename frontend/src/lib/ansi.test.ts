import { describe, expect, it } from 'vitest'

import { ansiPieces, stripAnsi } from './ansi'

describe('ansiPieces', () => {
  it('turns SGR colours into styled pieces and drops the escapes', () => {
    const pieces = ansiPieces('\u001b[31mred\u001b[0m and \u001b[1;32mbold green\u001b[0m')
    expect(pieces.map((p) => p.text).join('')).toBe('red and bold green')
    expect(pieces[0]).toEqual({ text: 'red', style: { color: 'var(--ansi-red)' } })
    expect(pieces.find((p) => p.text === 'bold green')?.style).toEqual({
      color: 'var(--ansi-green)',
      fontWeight: '700',
    })
  })

  it('keeps markup as text (the view renders pieces with {{ }}, never as HTML)', () => {
    const pieces = ansiPieces('\u001b[33m<img src=x onerror=alert(1)>\u001b[0m')
    expect(pieces[0].text).toBe('<img src=x onerror=alert(1)>')
  })

  it('maps 256-colour and true-colour codes to rgb()', () => {
    expect(ansiPieces('\u001b[38;5;196mx')[0].style.color).toBe('rgb(255, 0, 0)')
    expect(ansiPieces('\u001b[38;2;10;20;30mx')[0].style.color).toBe('rgb(10, 20, 30)')
  })

  it('leaves plain lines alone and strips escapes for search', () => {
    expect(ansiPieces('plain')).toEqual([{ text: 'plain', style: {} }])
    expect(stripAnsi('\u001b[31mred\u001b[0m \u001b]8;;http://x\u0007link\u001b]8;;\u0007')).toBe('red link')
  })
})
