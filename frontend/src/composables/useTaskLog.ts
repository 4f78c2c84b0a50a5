/**
 * Follow one run's log (Dozzle style: the composable owns the stream, the
 * component only renders). Subscribes with `after_seq` on every (re)connect
 * so nothing is missed or repeated; follows `more: true` replies page by
 * page; stages live lines and applies them once per animation frame
 * (`lib/frameRef`: the LogBuffer is a plain object in a shallowRef).
 */
import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'

import { cancelFrameTrigger, frameRef, triggerNow, triggerOnFrame } from '@/lib/frameRef'
import { LogBuffer } from '@/lib/logBuffer'
import type { LogLine, TaskDetail, TaskUpdate } from '@/types/contract'
import { useSocket } from './useSocket'

/** Pages of a `more: true` reply followed before giving up (5,000 lines each). */
const MAX_PAGES = 200

export function useTaskLog(taskId: Ref<number | null>) {
  const logs = useSocket('/logs')
  /** The lines: staged as they arrive, applied (and the ref triggered) once per frame. */
  const buffer = frameRef(new LogBuffer(), (lines) => lines.flush() > 0)
  const task = shallowRef<TaskDetail | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  // Live frames that arrive while a subscribe is in flight wait here: they
  // may be newer than lines the reply (or its next page) still has to bring.
  let stash: LogLine[] | null = null
  let generation = 0

  onScopeDispose(() => cancelFrameTrigger(buffer))

  function accept(lines: readonly LogLine[]) {
    if (buffer.value.stage(lines)) triggerOnFrame(buffer)
  }

  async function subscribe(id: number) {
    const mine = ++generation
    loading.value = true
    stash = []
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const reply = await logs.request('subscribe', { task_id: id, after_seq: buffer.value.lastSeq })
        if (mine !== generation) return
        task.value = reply.task
        accept(reply.lines)
        if (!reply.more || reply.lines.length === 0) break
      }
      error.value = null
    } catch (err) {
      if (mine === generation) error.value = (err as Error).message
    } finally {
      if (mine === generation) {
        const waiting = stash ?? []
        stash = null
        accept(waiting)
        loading.value = false
      }
    }
  }

  logs.on('lines', (frame) => {
    if (frame.task_id !== taskId.value) return
    if (stash) stash.push(...frame.lines)
    else accept(frame.lines)
  })

  logs.on('task', (update: TaskUpdate) => {
    if (update.id === taskId.value && task.value) task.value = { ...task.value, ...update, steps: update.steps ?? task.value.steps }
  })

  logs.onConnect(() => {
    if (taskId.value !== null) void subscribe(taskId.value)
  })

  watch(taskId, (id, previous) => {
    if (previous !== null && previous !== undefined && logs.connected.value) {
      void logs.request('unsubscribe', { task_id: previous }).catch(() => undefined)
    }
    generation++
    stash = null
    loading.value = false
    buffer.value.reset()
    triggerNow(buffer)
    task.value = null
    error.value = null
    if (id !== null && logs.connected.value) void subscribe(id)
  })

  return {
    /** The LogBuffer (lines oldest first) in a shallowRef, triggered when lines were applied or it was reset. */
    buffer,
    task,
    loading,
    error,
  }
}
