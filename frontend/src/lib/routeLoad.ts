/**
 * A page whose code chunk could not be loaded (the server went away before the
 * user first opened it): the router reports it here, and the shell shows an
 * error with a retry instead of silently staying where it was.
 */
import { shallowRef } from 'vue'

export interface RouteLoadFailure {
  /** Where the user wanted to go. */
  to: string
  message: string
}

export const routeLoadFailure = shallowRef<RouteLoadFailure | null>(null)

/** Whether `error` is a failed dynamic import (Chromium, Firefox and Safari word it differently). */
export function isChunkLoadError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error)
  // Vite's preload helper fails first when the page's CSS cannot be fetched.
  return /dynamically imported module|module script failed|Importing a module script|error loading dynamically|Unable to preload/i.test(
    message,
  )
}
