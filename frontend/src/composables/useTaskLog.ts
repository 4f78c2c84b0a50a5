/**
 * Follow one run's log (Dozzle style: the composable owns the stream, the
 * component only renders). Subscribes with `after_seq` on every (re)connect
 * so nothing is missed or repeated; follows `more: true` replies page by
 * page; stages live lines and applies them once per animation frame.
 */
import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'

import { frameBatch } from '@/lib/frameBatch'
import { LogBuffer } from '@/lib/logBuffer'
import type { LogLine, TaskDetail, TaskUpdate } from '@/types/contract'
import { useSocket } from './useSocket'

/** Pages of a `more: true` reply followed before giving up (5,000 lines each). */
const MAX_PAGES = 200

export function useTaskLog(taskId: Ref<number | null>) {
  const logs = useSocket('/logs')
  const buffer = new LogBuffer()
  const task = shallowRef<TaskDetail | null>(null)
  /** Bumped when lines were applied: the log view re-renders on it. */
  const revision = ref(0)
  const loading = ref(false)
  const error = ref<string | null>(null)
  // Live frames that arrive while a subscribe is in flight wait here: they
  // may be newer than lines the reply (or its next page) still has to bring.
  let stash: LogLine[] | null = null
  let generation = 0

  const apply = frameBatch(() => {
    if (buffer.flush()) revision.value++
  })
  onScopeDispose(apply.cancel)

  function accept(lines: readonly LogLine[]) {
    if (buffer.stage(lines)) apply.schedule()
  }

  async function subscribe(id: number) {
    const mine = ++generation
    loading.value = true
    stash = []
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const reply = await logs.request('subscribe', { task_id: id, after_seq: buffer.lastSeq })
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
    buffer.reset()
    task.value = null
    revision.value++
    error.value = null
    if (id !== null && logs.connected.value) void subscribe(id)
  })

  return {
    /** The lines, oldest first (a plain array: read it when `revision` changes). */
    lines: buffer.lines,
    buffer,
    task,
    revision,
    loading,
    error,
  }
}
