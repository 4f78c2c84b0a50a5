import { describe, expect, it } from 'vitest'
import { computed, effectScope, watch } from 'vue'

import { cancelFrameTrigger, frameRef, triggerNow, triggerOnFrame } from './frameRef'

/** Past the next animation frame (in Node, frameRef falls back to a 16 ms timer). */
const nextFrame = () => new Promise((done) => setTimeout(done, 50))

/** Count the triggers of `target` as a reader (`watch(ref)`) sees them. */
function countTriggers(target: Parameters<typeof watch>[0]) {
  const scope = effectScope()
  const seen = { count: 0 }
  scope.run(() => watch(target, () => seen.count++, { flush: 'sync' }))
  return { seen, stop: () => scope.stop() }
}

describe('frameRef', () => {
  it('keeps the buffer as it is: no reactive proxy around it', () => {
    const lines: number[] = []
    const buffer = frameRef(lines)
    expect(buffer.value).toBe(lines)
  })

  it('triggers once in the next frame however often it was marked', async () => {
    const buffer = frameRef<number[]>([])
    const { seen, stop } = countTriggers(buffer)
    for (let i = 0; i < 100; i++) {
      buffer.value.push(i)
      triggerOnFrame(buffer)
    }
    expect(seen.count).toBe(0) // nothing renders before the frame
    await nextFrame()
    expect(seen.count).toBe(1)
    await nextFrame()
    expect(seen.count).toBe(1) // and nothing after it, until marked again
    stop()
  })

  it('lets a computed over the mutated buffer see the change', async () => {
    const buffer = frameRef<number[]>([])
    const length = computed(() => buffer.value.length)
    expect(length.value).toBe(0)
    buffer.value.push(1, 2, 3)
    expect(length.value).toBe(0) // the same object, not triggered yet
    triggerOnFrame(buffer)
    await nextFrame()
    expect(length.value).toBe(3)
  })

  it('triggers every buffer marked in the same frame', async () => {
    const a = frameRef<number[]>([])
    const b = frameRef<number[]>([])
    const order: string[] = []
    const scope = effectScope()
    scope.run(() => {
      watch(a, () => order.push('a'), { flush: 'sync' })
      watch(b, () => order.push('b'), { flush: 'sync' })
    })
    triggerOnFrame(a)
    triggerOnFrame(b)
    triggerOnFrame(a)
    await nextFrame()
    expect(order).toEqual(['a', 'b'])
    scope.stop()
  })

  it('runs `prepare` in the frame before the trigger, and skips the trigger when it says nothing changed', async () => {
    const staged: number[] = []
    const buffer = frameRef<number[]>([], (lines) => {
      const moved = staged.splice(0)
      lines.push(...moved)
      return moved.length > 0
    })
    const { seen, stop } = countTriggers(buffer)
    staged.push(1, 2)
    triggerOnFrame(buffer)
    expect(buffer.value).toEqual([])
    await nextFrame()
    expect(buffer.value).toEqual([1, 2])
    expect(seen.count).toBe(1)

    triggerOnFrame(buffer) // marked, but nothing was staged
    await nextFrame()
    expect(seen.count).toBe(1)
    stop()
  })

  it('triggers at once with `triggerNow`, and not again in the frame', async () => {
    const buffer = frameRef<number[]>([])
    const { seen, stop } = countTriggers(buffer)
    triggerOnFrame(buffer)
    triggerNow(buffer)
    expect(seen.count).toBe(1)
    await nextFrame()
    expect(seen.count).toBe(1)
    stop()
  })

  it('triggers with `triggerNow` even when `prepare` has nothing to apply (a buffer that was reset)', () => {
    const staged: number[] = [7]
    const buffer = frameRef<number[]>([1, 2], (lines) => {
      const moved = staged.splice(0)
      lines.push(...moved)
      return moved.length > 0
    })
    const { seen, stop } = countTriggers(buffer)
    triggerNow(buffer) // applies what was staged
    expect(buffer.value).toEqual([1, 2, 7])
    buffer.value.length = 0
    triggerNow(buffer) // nothing staged: still triggered
    expect(seen.count).toBe(2)
    stop()
  })

  it('drops a waiting trigger with `cancelFrameTrigger`', async () => {
    const buffer = frameRef<number[]>([])
    const { seen, stop } = countTriggers(buffer)
    triggerOnFrame(buffer)
    cancelFrameTrigger(buffer)
    await nextFrame()
    expect(seen.count).toBe(0)
    stop()
  })

  it('fires a reader on assignment of a new buffer too', () => {
    const buffer = frameRef<number[]>([])
    const { seen, stop } = countTriggers(buffer)
    buffer.value = [1]
    expect(seen.count).toBe(1)
    stop()
  })
})
