/**
 * Coalesce work into one call per animation frame: `schedule()` may be
 * called for every incoming frame; `flush` runs once before the next paint.
 */
export interface FrameBatch {
  schedule(): void
  cancel(): void
}

const raf: (cb: () => void) => number =
  globalThis.requestAnimationFrame?.bind(globalThis) ?? ((cb) => setTimeout(cb, 16) as unknown as number)
const caf: (id: number) => void =
  globalThis.cancelAnimationFrame?.bind(globalThis) ?? ((id) => clearTimeout(id))

/** Create a batch that runs `flush` at most once per frame. */
export function frameBatch(flush: () => void): FrameBatch {
  let pending: number | null = null
  return {
    schedule() {
      if (pending !== null) return
      pending = raf(() => {
        pending = null
        flush()
      })
    },
    cancel() {
      if (pending !== null) caf(pending)
      pending = null
    },
  }
}
