/**
 * Merge items carrying increasing ids into a list kept sorted by id, without
 * duplicates: what a chat needs when the same message arrives by broadcast,
 * by ack and again by `resume` after a reconnect.
 */
export interface HasId {
  id: number
}

/** Insert `incoming` into `list` (sorted by id) in place; keep the last `cap`. Returns how many were new. */
export function mergeById<T extends HasId>(list: T[], incoming: readonly T[], cap = Infinity): number {
  let added = 0
  for (const item of incoming) {
    const last = list.length ? list[list.length - 1].id : -Infinity
    if (item.id > last) {
      list.push(item)
      added++
      continue
    }
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid].id < item.id) lo = mid + 1
      else hi = mid
    }
    if (list[lo]?.id === item.id) continue
    list.splice(lo, 0, item)
    added++
  }
  if (list.length > cap) list.splice(0, list.length - cap)
  return added
}

/** The highest id in a sorted list, or 0 when it is empty. */
export function lastId(list: readonly HasId[]): number {
  return list.length ? list[list.length - 1].id : 0
}
