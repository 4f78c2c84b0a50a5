/**
 * A chat message's run: its status and the last lines of its log, followed
 * through `/logs` only while `visible`. Every subscribe reads just the tail:
 * a first `subscribe` past the end (no lines; the run's `line_count`), then
 * one from a few dozen lines before it (directives are hidden, so more are
 * read than the ten shown); live `lines` frames follow. Several embeds of
 * one run share the server subscription (lib/chatEmbeds HolderCounts).
 */
import { computed, ref, shallowRef, type Ref } from 'vue'

import { HolderCounts, mergeTail, TAIL_KEEP, tailStart, visibleTail } from '@/lib/chatEmbeds'
import { sentence } from '@/lib/sentence'
import { MAX_ID } from '@/types/contract.limits.gen'
import type { LogLine, TaskDetail, TaskUpdate } from '@/types/contract'
import { useSocket } from './useSocket'
import { useVisibleHold } from './useVisibleHold'

const holders = new HolderCounts<number>()
/** A seq past any run's end: the largest the contract allows. */
const PAST_THE_END = MAX_ID

export function useRunEmbed(taskId: number, visible: Readonly<Ref<boolean>>) {
  const logs = useSocket('/logs')
  const task = shallowRef<TaskDetail | null>(null)
  const lines = shallowRef<LogLine[]>([])
  const error = ref<string | null>(null)

  const { holding } = useVisibleHold({
    socket: logs,
    holders,
    key: taskId,
    visible,
    async open(current) {
      try {
        const head = await logs.request('subscribe', { task_id: taskId, after_seq: PAST_THE_END })
        if (!current()) return
        task.value = head.task
        const tail = await logs.request('subscribe', { task_id: taskId, after_seq: tailStart(head.task.line_count, TAIL_KEEP) })
        if (!current()) return
        task.value = tail.task
        lines.value = mergeTail(lines.value, tail.lines, TAIL_KEEP)
        error.value = null
      } catch (err) {
        if (current()) error.value = sentence(err)
      }
    },
    close: () => logs.request('unsubscribe', { task_id: taskId }),
  })

  logs.on('lines', (frame) => {
    if (holding.value && frame.task_id === taskId) lines.value = mergeTail(lines.value, frame.lines, TAIL_KEEP)
  })
  // Every /logs socket hears every run's `task` event: the status stays current even off screen.
  logs.on('task', (update: TaskUpdate) => {
    if (update.id === taskId && task.value) task.value = { ...task.value, ...update, steps: update.steps ?? task.value.steps }
  })

  return {
    task,
    /** The last lines shown: directives left out. */
    lines: computed(() => visibleTail(lines.value)),
    error,
    live: computed(() => logs.connected.value && holding.value),
  }
}
