/** Vitest globalSetup: one real backend for every unit test file. */
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

import { BackendProcess } from './backend'

declare module 'vitest' {
  export interface ProvidedContext {
    backendUrl: string
  }
}

/** Tasks sized for unit tests, built on the shipped demo scripts. */
const TASKS = `
[tasks.flood-12k]
description = "12,000 lines: more than one subscribe reply holds"
command = ["{python}", "{demo_dir}/flood.py", "12000"]
timeout = 60

[tasks.slow-pipeline]
description = "The demo pipeline at 0.15 s a line"
command = ["{python}", "{demo_dir}/pipeline.py", "0.15"]
steps = ["checkout", "install", "build", "test", "package"]
timeout = 60
`

/** A backend for the unit tests, with their tasks file; `start()` it. */
export function unitBackend(): BackendProcess {
  return new BackendProcess({ repo: fileURLToPath(new URL('../..', import.meta.url)), data: { orders: 42 }, tasks: TASKS })
}

export default async function setup(project: TestProject) {
  const backend = await unitBackend().start()
  project.provide('backendUrl', backend.url)
  return async () => {
    await backend.dispose()
  }
}
