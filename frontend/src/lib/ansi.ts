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

// Anser hands colours over as class names (the 16 standard ones), a palette
// index or "r, g, b"; anything else is dropped, never passed on.
const RGB = /^\d{1,3}, ?\d{1,3}, ?\d{1,3}$/
const NAMED = /^ansi-(bright-)?(black|red|green|yellow|blue|magenta|cyan|white)$/
const PALETTE = /^ansi-palette-(\d{1,3})$/
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

/** xterm's 256-colour palette above the 16 named colours: a 6×6×6 cube, then 24 greys. */
function paletteRgb(index: number): string | null {
  if (index < 16 || index > 255) return null
  if (index >= 232) {
    const grey = 8 + (index - 232) * 10
    return `rgb(${grey}, ${grey}, ${grey})`
  }
  const cube = index - 16
  const level = (n: number) => (n === 0 ? 0 : 55 + n * 40)
  return `rgb(${level(Math.floor(cube / 36))}, ${level(Math.floor(cube / 6) % 6)}, ${level(cube % 6)})`
}

/**
 * A colour as CSS: the 16 named ones through the theme's `--ansi-*` variables
 * (readable on its background, dark or light), others as plain rgb().
 */
function colour(name: string | null, truecolor: string | null): string | null {
  if (!name) return null
  const named = NAMED.exec(name)
  if (named) return `var(--ansi-${named[1] ?? ''}${named[2]})`
  const palette = PALETTE.exec(name)
  if (palette) return paletteRgb(Number(palette[1]))
  if (name === 'ansi-truecolor' && truecolor && RGB.test(truecolor)) return `rgb(${truecolor})`
  return null
}

function styleOf(entry: Anser.AnserJsonEntry): Record<string, string> {
  const style: Record<string, string> = {}
  const fg = colour(entry.fg, entry.fg_truecolor)
  const bg = colour(entry.bg, entry.bg_truecolor)
  if (fg) style.color = fg
  if (bg) style.backgroundColor = bg
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
  return Anser.ansiToJson(text, { json: true, remove_empty: true, use_classes: true }).map((entry) => ({
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
