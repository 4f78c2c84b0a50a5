// useTasks + useTaskLog against the real backend's /logs (tasks from test-support/vitest-backend.ts).
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { computed, effectScope, nextTick, ref, watch, type EffectScope } from 'vue'

import { registerUser } from '../../test-support/backend'
import { waitFor } from '../../test-support/wait'
import { configureConnection, getManager, resetConnections } from '@/lib/connection'
import type { LogLine } from '@/types/contract'
import { useTaskLog } from './useTaskLog'
import { useTasks } from './useTasks'

const url = inject('backendUrl')
let token = ''
let scope: EffectScope

beforeAll(async () => {
  token = (await registerUser(url, 'logs')).token
})

function setup() {
  resetConnections()
  configureConnection({ url, token: () => token, reconnectionDelay: 100, reconnectionDelayMax: 300 })
  scope = effectScope()
  return scope.run(() => {
    const taskId = ref<number | null>(null)
    const log = useTaskLog(taskId)
    // What a reader sees: the buffer is plain, so this moves only when the ref is triggered.
    const shown = computed(() => log.buffer.value.lines.length)
    return { taskId, tasks: useTasks(), log, shown, lines: () => log.buffer.value.lines }
  })!
}

afterEach(() => {
  scope.stop()
  resetConnections()
})

/** Seqs must run 1, 2, 3... with no gap and no repeat. */
function expectContiguous(lines: readonly LogLine[]) {
  const gaps = lines.filter((line, i) => line.seq !== i + 1)
  expect(gaps.slice(0, 3)).toEqual([])
}

describe('useTaskLog', () => {
  it('reads a finished run longer than one reply, page by page (`more: true`)', async () => {
    const { taskId, tasks, log, shown, lines } = setup()
    await waitFor(() => tasks.definitions.value.length > 0)
    const run = await tasks.start('flood-12k')
    await waitFor(() => tasks.runs.value.find((r) => r.id === run.id)?.status === 'succeeded', 60_000, 'the run')
    const expected = tasks.runs.value.find((r) => r.id === run.id)?.line_count ?? 0
    expect(expected).toBeGreaterThan(12_000)

    taskId.value = run.id
    await waitFor(() => shown.value === expected && !log.loading.value, 30_000, 'every line')
    expectContiguous(lines())
    expect(log.task.value?.status).toBe('succeeded')
    expect(log.task.value?.progress).toBe(100)
  }, 90_000)

  it('follows a live run across a dropped connection without losing or repeating a line', async () => {
    const { taskId, tasks, log, shown, lines } = setup()
    await waitFor(() => tasks.definitions.value.length > 0)
    const run = await tasks.start('slow-pipeline')
    taskId.value = run.id
    await waitFor(() => shown.value >= 3, 20_000, 'the first lines')

    const statuses: string[] = []
    scope.run(() => watch(tasks.status, (s) => statuses.push(s), { flush: 'sync' }))
    const atDrop = shown.value
    getManager().engine.close() // the network drops mid-run
    await waitFor(() => log.task.value?.status === 'succeeded', 30_000, 'the run to finish')
    expect(statuses).toEqual(['reconnecting', 'connected'])
    const final = tasks.runs.value.find((r) => r.id === run.id)
    await waitFor(() => shown.value === final?.line_count, 10_000, 'the last lines')
    expect(atDrop).toBeLessThan(final?.line_count ?? 0)
    expectContiguous(lines())
    expect(lines().at(-1)?.text).toMatch(/succeeded/)
    expect(log.task.value?.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done'])
  }, 60_000)

  it('empties the buffer, and tells its readers, when another run is opened', async () => {
    const { taskId, tasks, shown, lines } = setup()
    await waitFor(() => tasks.definitions.value.length > 0)
    const first = await tasks.start('slow-pipeline')
    taskId.value = first.id
    await waitFor(() => shown.value >= 2, 20_000, 'the first run\'s lines')
    const second = await tasks.start('slow-pipeline')
    taskId.value = second.id
    await nextTick() // the switch ran; the new run's first reply is still on the wire
    expect(shown.value).toBe(0)
    await waitFor(() => shown.value >= 2, 20_000, 'the second run\'s lines')
    expectContiguous(lines())
    expect(lines().length).toBe(shown.value)
  }, 60_000)

  it('reports an unknown run as an error', async () => {
    const { taskId, tasks, log } = setup()
    await waitFor(() => tasks.status.value === 'connected')
    taskId.value = 999_999
    await waitFor(() => log.error.value !== null)
    expect(log.error.value).toMatch(/no task/)
  })
})
