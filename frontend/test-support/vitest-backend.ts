/** Vitest globalSetup: one real backend for every unit test file. */
import type { TestProject } from 'vitest/node'

import { BackendProcess } from './backend'

declare module 'vitest' {
  export interface ProvidedContext {
    backendUrl: string
  }
}

export default async function setup(project: TestProject) {
  const backend = await new BackendProcess().start()
  project.provide('backendUrl', backend.url)
  return async () => {
    await backend.dispose()
  }
}
