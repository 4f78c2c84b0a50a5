/**
 * `@name` mentions in a chat message, by the server's own rule.
 *
 * The pattern comes from the contract (`MENTION_PATTERN`, exported from
 * backend/pulseboard/contract/chat.py): a mention starts at the beginning or
 * after a character that cannot be part of a name or an e-mail address, so
 * `me@host` mentions nobody, here as on the server that sends the
 * notifications. Both sides are tested against tests/contract/mention_cases.json.
 */
import { MENTION_PATTERN } from '@/types/contract.limits.gen'

export interface TextSegment {
  text: string
  mention: boolean
}

/** `text` cut into plain runs and `@name` mentions (in order; concatenated they are `text`). */
export function mentionSegments(text: string): TextSegment[] {
  const segments: TextSegment[] = []
  let at = 0
  for (const match of text.matchAll(new RegExp(MENTION_PATTERN, 'g'))) {
    if (match.index > at) segments.push({ text: text.slice(at, match.index), mention: false })
    segments.push({ text: match[0], mention: true })
    at = match.index + match[0].length
  }
  if (at < text.length) segments.push({ text: text.slice(at), mention: false })
  return segments
}
