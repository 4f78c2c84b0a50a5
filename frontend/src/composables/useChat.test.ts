// The chat store against the real backend: this tab is Alice (through useSession
// and useSocket); Bob is a second, plain socket.io client.
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { effectScope, type EffectScope } from 'vue'

import { PASSWORD, registerUser } from '../../test-support/backend'
import { waitFor } from '../../test-support/wait'
import { setApiBase } from '@/lib/api'
import { DraftId } from '@/lib/draftId'
import { getManager, resetConnections } from '@/lib/connection'
import { roomsToRejoin, useChat } from './useChat'
import { connectSessionToSockets, useSession } from './useSession'
import { useSocket } from './useSocket'
import { useToasts } from './useToasts'

const url = inject('backendUrl')
let scope: EffectScope
let chat: ReturnType<typeof useChat>
let bob: Socket
let bobName = ''
let alice = ''

function bobSays(event: string, data: object): Promise<{ ok: boolean }> {
  return bob.timeout(5000).emitWithAck(event, data)
}

beforeAll(async () => {
  setApiBase(url)
  connectSessionToSockets(url)
  alice = `alice${Date.now().toString(36)}`
  await useSession().register(alice, PASSWORD)
  const b = await registerUser(url, 'bob')
  bobName = b.user.username
  bob = io(`${url}/chat`, { transports: ['websocket'], auth: { token: b.token } })
  await new Promise<void>((r) => bob.once('connect', () => r()))
  expect((await bobSays('join', { room: 'general' })).ok).toBe(true)
  scope = effectScope()
  chat = scope.run(() => useChat())!
  await waitFor(() => chat.rooms.general?.members[alice] === true, 10_000, 'alice in #general')
})

afterAll(() => {
  scope?.stop()
  bob?.disconnect()
  useSession().signOut()
  resetConnections()
})

describe('useChat', () => {
  it('receives room messages and counts them unread when the room is not on screen', async () => {
    expect(chat.rooms.general.members[bobName]).toBe(true)
    const text = `hi alice ${Date.now()}`
    await bobSays('message', { room: 'general', text })
    await waitFor(() => chat.rooms.general.messages.some((m) => m.text === text))
    expect(chat.rooms.general.unread).toBe(1)
    chat.markRead({ kind: 'room', name: 'general' })
    expect(chat.unreadTotal.value).toBe(0)
  })

  it('sends a message once, as acked, and sees it broadcast without a duplicate', async () => {
    const before = chat.rooms.general.messages.length
    const text = `hello bob ${Date.now()}`
    // A second listener on the store's own socket, added after the store's: once
    // it hears the broadcast copy, the store has merged it too.
    const probe = scope.run(() => useSocket('/chat'))!
    const broadcast = new Promise<void>((done) => {
      const stop = probe.on('message', (message) => {
        if (message.text !== text) return
        stop()
        done()
      })
    })
    await chat.send('general', text)
    await broadcast
    probe.dispose()
    expect(chat.rooms.general.messages.length).toBe(before + 1)
    expect(chat.rooms.general.unread).toBe(0) // own messages are never unread
  })

  it('turns a DM into an unread conversation and a toast', async () => {
    const { toasts } = useToasts()
    await bobSays('dm', { to: alice, text: 'a secret' })
    await waitFor(() => chat.dms[bobName]?.unread === 1)
    expect(chat.dms[bobName].messages.at(-1)?.text).toBe('a secret')
    await waitFor(() => toasts.some((t) => t.title === `${bobName} sent you a message`))
    expect(toasts.find((t) => t.title.startsWith(bobName))?.to).toBe(`/chat/dm/${bobName}`)
  })

  it('leaves no room behind when the server refuses a join', async () => {
    await expect(chat.join('no such room!')).rejects.toMatchObject({ code: 'bad_request' })
    expect('no such room!' in chat.rooms).toBe(false)
    expect(Object.keys(chat.rooms)).toEqual(['general'])
  })

  it('catches up on what it missed while disconnected (re-join + `resume`)', async () => {
    const manager = getManager()
    const lastSeen = chat.rooms.general.messages.at(-1)?.id ?? 0
    manager.reconnection(false)
    manager.engine.close()
    await waitFor(() => chat.status.value !== 'connected')
    const missed = [`missed one ${Date.now()}`, 'missed two', 'missed three']
    for (const text of missed) await bobSays('message', { room: 'general', text })
    expect(chat.rooms.general.messages.some((m) => m.text === missed[0])).toBe(false)

    manager.reconnection(true)
    manager.open()
    await waitFor(() => chat.status.value === 'connected', 10_000, 'the reconnect')
    await waitFor(() => chat.rooms.general.messages.some((m) => m.text === 'missed three'), 10_000, 'resume')
    const after = chat.rooms.general.messages.filter((m) => m.id > lastSeen).map((m) => m.text)
    expect(after).toEqual(missed)
  })

  it('a send retried after a timeout is stored once: one client_id per draft until acked', async () => {
    const draft = new DraftId()
    const text = `sent twice, stored once ${Date.now()}`
    // An ack awaited for 0 ms (almost always) times out although the server stores the
    // message: what a slow network looks like. The user presses Send again.
    await chat.send('general', text, draft.for('room:general', text), { timeout: 0 }).catch(() => undefined)
    await chat.send('general', text, draft.for('room:general', text))
    draft.acknowledge()
    const history = (await bobSays('history', { room: 'general', limit: 50 })) as unknown as {
      messages: { text: string }[]
    }
    expect(history.messages.filter((m) => m.text === text)).toHaveLength(1)
    expect(chat.rooms.general.messages.filter((m) => m.text === text)).toHaveLength(1)
    // The next draft, even with the same text, is a new message.
    expect(draft.for('room:general', text)).not.toBe(draft.for('room:other', text))
  })
})

describe('roomsToRejoin', () => {
  it('joins #general first, then the saved rooms with a valid name, once each', () => {
    expect(roomsToRejoin([])).toEqual(['general'])
    expect(roomsToRejoin(['ops', 'general', 'ops', 'Not Valid!', 'dev'])).toEqual(['general', 'ops', 'dev'])
  })
})
