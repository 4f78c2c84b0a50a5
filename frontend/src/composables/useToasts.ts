/** App-wide toast notifications: push from anywhere, ToastStack renders them. */
import { reactive } from 'vue'

export type ToastKind = 'success' | 'error' | 'info' | 'warning'

export interface Toast {
  id: number
  kind: ToastKind
  title: string
  body?: string
  /** Where a click on the toast leads (a router location). */
  to?: string
}

const MAX_TOASTS = 5
const toasts = reactive<Toast[]>([])
let nextId = 1

/** Remove a toast now. */
export function dismissToast(id: number): void {
  const index = toasts.findIndex((t) => t.id === id)
  if (index >= 0) toasts.splice(index, 1)
}

/** Show a toast for `ttlMs` (errors stay twice as long). */
export function pushToast(toast: Omit<Toast, 'id'>, ttlMs = 6000): number {
  const id = nextId++
  toasts.push({ ...toast, id })
  if (toasts.length > MAX_TOASTS) toasts.splice(0, toasts.length - MAX_TOASTS)
  setTimeout(() => dismissToast(id), toast.kind === 'error' ? ttlMs * 2 : ttlMs)
  return id
}

/** The live list of toasts, for ToastStack. */
export function useToasts() {
  return { toasts, push: pushToast, dismiss: dismissToast }
}
