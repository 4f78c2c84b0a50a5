/**
 * ANSI colours in log lines, turned into styled text pieces by `anser` (a
 * parser, not an HTML generator): the view renders each piece with `{{ }}`,
 * so a line's text is always text, never markup.
 */
import Anser from 'anser'

/** One run of text with its SGR styling. */
export interface AnsiPiece {
  text: string
  /** Inline style from the parsed colours and decorations; empty when plain. */
  style: Record<string, string>
}

// Anser hands colours over as "r, g, b"; anything else is dropped, never passed on.
const RGB = /^\d{1,3}, \d{1,3}, \d{1,3}$/
const ESCAPE_CHAR = '\u001b'
// CSI and OSC sequences, for the plain text that search looks at.
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g

const pieceCache = new WeakMap<object, AnsiPiece[]>()

/** Whether `text` holds any escape sequence at all (most lines do not). */
export function hasAnsi(text: string): boolean {
  return text.includes(ESCAPE_CHAR)
}

/** `text` without its escape sequences: what the reader sees, and what search matches. */
export function stripAnsi(text: string): string {
  return hasAnsi(text) ? text.replace(ANSI_SEQUENCE, '') : text
}

function styleOf(entry: Anser.AnserJsonEntry): Record<string, string> {
  const style: Record<string, string> = {}
  if (entry.fg && RGB.test(entry.fg)) style.color = `rgb(${entry.fg})`
  if (entry.bg && RGB.test(entry.bg)) style.backgroundColor = `rgb(${entry.bg})`
  const decorations = new Set(entry.decorations ?? [])
  if (decorations.has('bold')) style.fontWeight = '700'
  if (decorations.has('dim')) style.opacity = '0.7'
  if (decorations.has('italic')) style.fontStyle = 'italic'
  const lines = [decorations.has('underline') && 'underline', decorations.has('strikethrough') && 'line-through']
  if (lines.some(Boolean)) style.textDecoration = lines.filter(Boolean).join(' ')
  if (decorations.has('hidden')) style.visibility = 'hidden'
  return style
}

/** Split `text` into styled pieces; plain text is one unstyled piece. */
export function ansiPieces(text: string): AnsiPiece[] {
  if (!hasAnsi(text)) return [{ text, style: {} }]
  return Anser.ansiToJson(text, { json: true, remove_empty: true }).map((entry) => ({
    text: entry.content,
    style: styleOf(entry),
  }))
}

/** `ansiPieces` cached per line object: a visible row is parsed once, not on every scroll. */
export function piecesOf(line: { text: string }): AnsiPiece[] {
  let pieces = pieceCache.get(line)
  if (!pieces) {
    pieces = ansiPieces(line.text)
    pieceCache.set(line, pieces)
  }
  return pieces
}
