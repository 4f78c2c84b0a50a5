// What the stored session must look like to be honoured at start-up
// ('pulseboard.session', also written by the e2e fixtures before the page loads).
import { describe, expect, it } from 'vitest'

import { jsonSerializer } from '@/lib/storedJson'
import { storedSession } from './useSession'

const session = { token: 't0k3n', user: { id: 7, username: 'alice' } }
const serializer = jsonSerializer(storedSession)

describe('storedSession', () => {
  it('honours a stored session in the format the app (and the e2e fixtures) write', () => {
    expect(serializer.read(JSON.stringify(session))).toEqual(session)
    expect(serializer.write(session)).toBe(JSON.stringify(session))
  })

  it('ignores anything that is not a session', () => {
    for (const raw of ['', 'garbage', 'null', '42', '"x"', '{}', '{"token": "t"}', '{"user": {"id": 1}}', '{"token": "", "user": {}}']) {
      expect(serializer.read(raw)).toBeNull()
    }
  })
})
