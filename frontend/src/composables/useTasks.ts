/**
 * Task definitions and runs. Every `/logs` socket receives every run's `task`
 * event, so the runs list stays current without polling; it is re-read on
 * each (re)connect to catch what happened while offline.
 */
import { ref } from 'vue'

import type { TaskDefinition, TaskSummary, TaskUpdate } from '@/types/contract'
import { useSocket } from './useSocket'

const MAX_RUNS = 100

export function useTasks() {
  const logs = useSocket('/logs')
  const definitions = ref<TaskDefinition[]>([])
  const runs = ref<TaskSummary[]>([])
  const error = ref<string | null>(null)

  function upsert(update: TaskUpdate) {
    const index = runs.value.findIndex((r) => r.id === update.id)
    if (index >= 0) runs.value[index] = { ...runs.value[index], ...update }
    else if (update.name) {
      runs.value = [{ started_at: null, ...update, name: update.name }, ...runs.value].slice(0, MAX_RUNS)
    }
  }

  async function refresh() {
    try {
      const reply = await logs.request('tasks', {})
      definitions.value = reply.definitions
      runs.value = reply.tasks
      error.value = null
    } catch (err) {
      error.value = (err as Error).message
    }
  }

  logs.on('task', upsert)
  logs.onConnect(refresh)

  return {
    definitions,
    runs,
    error,
    status: logs.status,
    refresh,
    /** Start a run of the task called `name`; resolves the new run. */
    async start(name: string): Promise<TaskSummary> {
      const { task } = await logs.request('start', { name })
      upsert(task)
      return task
    },
    async cancel(taskId: number): Promise<void> {
      await logs.request('cancel', { task_id: taskId })
    },
  }
}
