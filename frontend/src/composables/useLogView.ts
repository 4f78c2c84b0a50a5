/**
 * A log viewer's state over a task's lines (LogBuffer): which lines show
 * (directives hidden by default), timestamps on or off (both remembered), and
 * search with a match count and next/previous over the whole log. The
 * LogView is kept as the buffer is (lib/frameRef): a plain object in a
 * shallowRef, updated in place and triggered, here whenever the buffer is.
 */
import { refDebounced, useLocalStorage } from '@vueuse/core'
import { computed, ref, shallowRef, triggerRef, watch, type ShallowRef } from 'vue'

import type { LogBuffer } from '@/lib/logBuffer'
import { LogView } from '@/lib/logView'

/** Typing pauses this long before the whole log is searched again. */
const SEARCH_DEBOUNCE_MS = 150

export function useLogView(buffer: Readonly<ShallowRef<LogBuffer>>) {
  const showDirectives = useLocalStorage('pulseboard.log.directives', false)
  const showTimestamps = useLocalStorage('pulseboard.log.timestamps', false)
  const query = ref('')
  const debouncedQuery = refDebounced(query, SEARCH_DEBOUNCE_MS)
  const view = shallowRef(new LogView(buffer.value.lines, showDirectives.value))
  /** Index into the matches of the one shown; -1 when none is. */
  const current = ref(-1)

  function sync() {
    view.value.sync(buffer.value.dropped, buffer.value.resets)
    triggerRef(view)
  }

  // A shallowRef's watcher fires on every trigger: once per frame with new lines, and on a reset.
  watch(buffer, sync, { immediate: true })
  watch(showDirectives, (show) => {
    view.value.setShowDirectives(show)
    triggerRef(view)
  })
  watch(debouncedQuery, (text) => {
    view.value.setQuery(text.trim())
    current.value = view.value.matches.length ? 0 : -1
    triggerRef(view)
  })

  const matchCount = computed(() => view.value.matches.length)

  function step(by: number) {
    const count = view.value.matches.length
    if (!count) return
    current.value = (((current.value + by) % count) + count) % count
  }

  return {
    view,
    query,
    showDirectives,
    showTimestamps,
    current,
    matchCount,
    /** The row index of the match shown, or -1. */
    currentRow: computed(() => (current.value >= 0 ? (view.value.matches[current.value] ?? -1) : -1)),
    /** Whether a search is waiting for the debounce. */
    searching: computed(() => query.value.trim() !== debouncedQuery.value.trim()),
    next: () => step(1),
    previous: () => step(-1),
  }
}
