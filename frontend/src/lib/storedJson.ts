/**
 * Serializers for VueUse's `useLocalStorage` (`serializer` option) of JSON
 * values that another version of the app, another tab or a hand may have
 * left in any shape: reading never throws, it keeps what `accept` makes of
 * the parsed value (`undefined` when it was not JSON at all).
 */
import type { Serializer } from '@vueuse/core'

/** Read JSON through `accept`; write `JSON.stringify`. */
export function jsonSerializer<T>(accept: (parsed: unknown) => T): Serializer<T> {
  return {
    read(raw: string): T {
      let parsed: unknown
      try {
        parsed = JSON.parse(raw)
      } catch {
        parsed = undefined
      }
      return accept(parsed)
    },
    write: (value: T) => JSON.stringify(value),
  }
}

/** Accept a JSON array's strings (others dropped); anything else is `fallback`. */
export function stringsOr(fallback: string[]): (parsed: unknown) => string[] {
  return (parsed) => (Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === 'string') : fallback)
}
