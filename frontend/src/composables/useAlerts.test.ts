import { describe, expect, it } from 'vitest'

import type { Alert } from '@/types/contract'
import { sortAlerts, trimResolved } from './useAlerts'

function alert(id: number, state: Alert['state']): Alert {
  return {
    id, rule: 'r', stream: 's', condition: 'above', threshold: 1, severity: 'warning', summary: '',
    state, value: 2, started_at: id, fired_at: null, resolved_at: null, updated_at: id,
    acked_by: null, acked_at: null, acked_via: null,
  }
}

describe('the alerts the page keeps', () => {
  it('keeps every open alert and only the newest resolved ones', () => {
    const byId = new Map<number, Alert>()
    for (let id = 1; id <= 10; id++) byId.set(id, alert(id, id === 2 ? 'firing' : 'resolved'))
    trimResolved(byId, 3)
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([2, 8, 9, 10])
  })

  it('orders what needs a person first, then the newest', () => {
    const sorted = sortAlerts([alert(1, 'resolved'), alert(2, 'pending'), alert(3, 'firing'),
      alert(4, 'resolved')])
    expect(sorted.map((a) => a.id)).toEqual([3, 2, 4, 1])
  })
})
