/**
 * App-wide toast notifications: push from anywhere, ToastStack renders them.
 * A toast says what happened in words ("pipeline #2 succeeded") and links to
 * where it happened (the run, the room).
 */
import { reactive } from 'vue'

export type ToastKind = 'success' | 'error' | 'info' | 'warning'

export interface Toast {
  id: number
  kind: ToastKind
  title: string
  body?: string
  /** Where the toast's link leads (a router location)... */
  to?: string
  /** ...and what the link says ("Open run #2"). */
  linkLabel?: string
}

const MAX_TOASTS = 3
const toasts = reactive<Toast[]>([])
let nextId = 1

/** Remove a toast now. */
export function dismissToast(id: number): void {
  const index = toasts.findIndex((t) => t.id === id)
  if (index >= 0) toasts.splice(index, 1)
}

/** Show a toast for `ttlMs` (errors stay twice as long); the newest is first. */
export function pushToast(toast: Omit<Toast, 'id'>, ttlMs = 6000): number {
  const id = nextId++
  toasts.unshift({ ...toast, id })
  if (toasts.length > MAX_TOASTS) toasts.splice(MAX_TOASTS)
  setTimeout(() => dismissToast(id), toast.kind === 'error' ? ttlMs * 2 : ttlMs)
  return id
}

/** The live list of toasts, for ToastStack. */
export function useToasts() {
  return { toasts, push: pushToast, dismiss: dismissToast }
}
