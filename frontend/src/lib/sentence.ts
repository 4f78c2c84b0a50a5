/**
 * An error as a sentence a person reads: the server's message (already
 * specific: "password must be 8-128 characters") with a capital and a full
 * stop, and plain words for what the client itself detected.
 */

const CLIENT_CODES: Record<string, string> = {
  timeout: 'The server did not answer in time.',
  disconnected: 'You are offline: this needs the connection to the server.',
  network: 'The server cannot be reached.',
  rate_limited: 'That was too fast: wait a few seconds and try again.',
}

/** `err` (a RequestError, ApiRequestError or anything thrown) as one sentence. */
export function sentence(err: unknown): string {
  const code = (err as { code?: string } | null)?.code
  if (code && code in CLIENT_CODES && code !== 'rate_limited') return CLIENT_CODES[code]
  const message = (err instanceof Error ? err.message : String(err ?? '')).trim()
  if (!message) return code && CLIENT_CODES[code] ? CLIENT_CODES[code] : 'Something went wrong.'
  const text = message.charAt(0).toUpperCase() + message.slice(1)
  return /[.!?]$/.test(text) ? text : `${text}.`
}
