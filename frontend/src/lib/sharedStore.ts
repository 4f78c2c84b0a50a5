/**
 * A store shared by every component that uses it, alive while at least one
 * of them is: the first caller creates it in a detached effect scope (so its
 * sockets and watchers outlive that caller's own scope) and the last one to
 * be disposed stops it.
 */
import { effectScope, getCurrentScope, onScopeDispose, type EffectScope } from 'vue'

/** Wrap `create` so that all callers share one instance. */
export function sharedStore<T>(create: () => T): () => T {
  let instance: T | null = null
  let scope: EffectScope | null = null
  let holders = 0

  return () => {
    if (scope === null) {
      scope = effectScope(true)
      instance = scope.run(create) as T
    }
    holders += 1
    if (getCurrentScope()) {
      onScopeDispose(() => {
        holders -= 1
        if (holders === 0 && scope !== null) {
          scope.stop()
          scope = null
          instance = null
        }
      })
    }
    return instance as T
  }
}
