import { describe, expect, it } from 'vitest'

import { ApiRequestError } from './api'
import { sentence } from './sentence'

describe('sentence', () => {
  it("turns the server's lowercase message into a sentence", () => {
    expect(sentence(new ApiRequestError('bad_request', 'password must be 8-128 characters', 400))).toBe(
      'Password must be 8-128 characters.',
    )
    expect(sentence(new ApiRequestError('unauthorized', 'wrong username or password', 401))).toBe(
      'Wrong username or password.',
    )
  })

  it('words what the client itself detected', () => {
    expect(sentence(new ApiRequestError('network', 'fetch failed', 0))).toBe('The server cannot be reached.')
    expect(sentence(Object.assign(new Error('message got no reply within 10000 ms'), { code: 'timeout' }))).toBe(
      'The server did not answer in time.',
    )
  })

  it('keeps a sentence that already ends', () => {
    expect(sentence(new Error('Done!'))).toBe('Done!')
    expect(sentence(null)).toBe('Something went wrong.')
  })
})
