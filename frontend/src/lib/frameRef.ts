/**
 * The one pattern for high-rate buffers (chart windows, task log lines, the
 * debug feed, the console's record). The buffer is a plain object (a
 * PointWindow, a LogBuffer, an array), never made reactive, so 100,000 lines
 * cost no proxies; it lives in a `shallowRef` and is mutated in place.
 * `triggerOnFrame(ref)` says it changed: every ref marked before the next
 * animation frame is triggered once, in that frame (one `requestAnimationFrame`
 * for all of them), so a burst of socket frames costs one render per buffer.
 *
 * Readers depend on a buffer by reading `ref.value`: in a template, a
 * `computed`, or `watch(ref, ...)`, which fires on every trigger because the
 * ref is shallow. Pass the ref itself down to components, so that only they
 * re-render, not the parent. A getter that returns the object itself
 * (`watch(() => ref.value, ...)`, `computed(() => ref.value)`) does NOT fire
 * on a trigger: Vue sees the same object and stops there.
 */
import { shallowRef, triggerRef, type ShallowRef } from 'vue'

const raf: (cb: () => void) => unknown =
  globalThis.requestAnimationFrame?.bind(globalThis) ?? ((cb) => setTimeout(cb, 16))

/** Work to do in the frame before a ref is triggered; false: nothing changed, skip it. */
export type FramePrepare<T> = (value: T) => boolean

const prepares = new WeakMap<ShallowRef<unknown>, FramePrepare<never>>()
const due = new Set<ShallowRef<unknown>>()
let scheduled = false

/** Run `target`'s prepare; trigger it if that changed anything (or `always`). */
function fire(target: ShallowRef<unknown>, always = false): void {
  const prepare = prepares.get(target) as FramePrepare<unknown> | undefined
  const changed = prepare ? prepare(target.value) : true
  if (changed || always) triggerRef(target)
}

function runFrame(): void {
  scheduled = false
  const targets = [...due]
  due.clear()
  for (const target of targets) fire(target)
}

/**
 * A shallowRef holding the buffer `value`. `prepare`, if given, runs in the
 * frame just before the trigger (e.g. `LogBuffer.flush`, so staged lines are
 * applied once per frame) and may return false to skip it.
 */
export function frameRef<T extends object>(value: T, prepare?: FramePrepare<T>): ShallowRef<T> {
  const target = shallowRef(value) as ShallowRef<T>
  if (prepare) prepares.set(target as ShallowRef<unknown>, prepare)
  return target
}

/** The buffer in `target` changed: trigger it once before the next paint, however often this runs until then. */
export function triggerOnFrame(target: ShallowRef<unknown>): void {
  due.add(target)
  if (scheduled) return
  scheduled = true
  raf(runFrame)
}

/**
 * Trigger `target` now, whatever its `prepare` says (after a reset, say),
 * running `prepare` first and dropping a trigger still waiting for the frame.
 */
export function triggerNow(target: ShallowRef<unknown>): void {
  due.delete(target)
  fire(target, true)
}

/** Forget a trigger still waiting for the frame (the buffer's owner went away). */
export function cancelFrameTrigger(target: ShallowRef<unknown>): void {
  due.delete(target)
}
