/**
 * One chat `client_id` per draft: a send that timed out may still have landed,
 * so pressing Send again must reuse the id (the server then answers with the
 * message it already stored instead of storing a second one). A new id is made
 * once the draft was acknowledged, or when its text or conversation changed
 * (that is another message).
 */

/** A fresh client_id. */
export function newClientId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

export class DraftId {
  private key: string | null = null
  private id = ''

  /** The id for `text` in `conversation`: the same one until it is acknowledged or changed. */
  for(conversation: string, text: string): string {
    const key = `${conversation}\n${text}`
    if (key !== this.key) {
      this.key = key
      this.id = newClientId()
    }
    return this.id
  }

  /** The server acknowledged the draft: the next one gets a new id. */
  acknowledge(): void {
    this.key = null
  }
}
