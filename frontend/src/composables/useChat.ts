/**
 * The chat, shared by the Chat view and the app shell (unread badge, toasts).
 * It stays connected while the user is signed in, so DMs and mentions reach
 * them on any page. On every (re)connect it re-joins its rooms and fetches
 * what it missed with `resume` / `dm_history {after_id}`.
 */
import { createSharedComposable, useDocumentVisibility, useLocalStorage } from '@vueuse/core'
import { computed, reactive, ref } from 'vue'

import { extrasPayload, needsOlderFor, type MessageExtras } from '@/lib/chatEmbeds'
import { newClientId } from '@/lib/draftId'
import { lastId, mergeById } from '@/lib/mergeById'
import { jsonSerializer, stringsOr } from '@/lib/storedJson'
import { ROOM_NAME_PATTERN, type ChatNotification, type DirectMessage, type RoomMessage } from '@/types/contract'
import { useSession } from './useSession'
import { pushToast } from './useToasts'
import { useSocket, type RequestOptions } from './useSocket'

export const ROOM_NAME = new RegExp(ROOM_NAME_PATTERN)
const DEFAULT_ROOM = 'general'
const ROOMS_KEY = 'pulseboard.rooms'
const KEEP_MESSAGES = 500
const MAX_RESUME_PAGES = 10
/** Pages of 200 read back to find a linked message (`?message=<id>`) before giving up. */
const MAX_FIND_PAGES = 25


export interface RoomState {
  name: string
  /** username → online */
  members: Record<string, boolean>
  messages: RoomMessage[]
  unread: number
  hasOlder: boolean
  /** How many messages to keep; `loadOlder` raises it so older pages stay. */
  keep: number
}

export interface DmState {
  peer: string
  messages: DirectMessage[]
  unread: number
}

export type Conversation = { kind: 'room' | 'dm'; name: string }

/** The rooms to join on the first connect: #general and the valid names saved. */
export function roomsToRejoin(saved: readonly string[]): string[] {
  return [...new Set([DEFAULT_ROOM, ...saved.filter((r) => ROOM_NAME.test(r))])]
}

function createChat() {
  const chat = useSocket('/chat')
  const { user } = useSession()
  const me = () => user.value?.username ?? ''
  const rooms = reactive<Record<string, RoomState>>({})
  const dms = reactive<Record<string, DmState>>({})
  const directory = ref<{ name: string; online: number }[]>([])
  /** The conversation on screen (set by the Chat view), which gets no unread count. */
  const active = ref<Conversation | null>(null)
  const visibility = useDocumentVisibility()
  /** The rooms joined, saved so that the next visit joins them again. */
  const savedRooms = useLocalStorage<string[]>(ROOMS_KEY, [], {
    serializer: jsonSerializer(stringsOr([])),
    writeDefaults: false,
    flush: 'sync',
  })

  const isViewing = (kind: Conversation['kind'], name: string) =>
    active.value?.kind === kind && active.value.name === name && visibility.value !== 'hidden'

  /** Joins in flight, so a room opened twice at once is joined once. */
  const joining = new Map<string, Promise<void>>()

  function room(name: string): RoomState {
    rooms[name] ??= { name, members: {}, messages: [], unread: 0, hasOlder: true, keep: KEEP_MESSAGES }
    return rooms[name]
  }

  function dm(peer: string): DmState {
    dms[peer] ??= { peer, messages: [], unread: 0 }
    return dms[peer]
  }

  function persistRooms() {
    savedRooms.value = Object.keys(rooms)
  }

  /**
   * Join (or re-join after a reconnect) and fill the gap since the last message
   * seen. A room is added (and saved) only once the server accepted the join,
   * so a refused name leaves nothing behind.
   */
  function join(name: string): Promise<void> {
    let pending = joining.get(name)
    if (!pending) {
      pending = joinOnce(name).finally(() => joining.delete(name))
      joining.set(name, pending)
    }
    return pending
  }

  async function joinOnce(name: string): Promise<void> {
    const seen = lastId(rooms[name]?.messages ?? [])
    const reply = await chat.request('join', { room: name })
    const state = room(name)
    persistRooms()
    state.members = Object.fromEntries(reply.members.map((m) => [m, true]))
    if (seen > 0) {
      let after = seen
      for (let page = 0; page < MAX_RESUME_PAGES; page++) {
        const missed = await chat.request('resume', { room: name, after_id: after })
        mergeById(state.messages, missed.messages, state.keep)
        if (!missed.has_more || !missed.messages.length) break
        after = lastId(missed.messages)
      }
    }
    mergeById(state.messages, reply.messages, state.keep)
  }

  async function leave(name: string): Promise<void> {
    if (name === DEFAULT_ROOM) return
    await chat.request('leave', { room: name })
    delete rooms[name]
    persistRooms()
  }

  async function loadOlder(name: string, limit = 50): Promise<void> {
    const state = rooms[name]
    if (!state) return
    const before = state.messages[0]?.id
    const reply = await chat.request('history', { room: name, before_id: before, limit })
    mergeById(state.messages, reply.messages)
    // Keep what was loaded: the next live message must not push it out again.
    state.keep = Math.max(KEEP_MESSAGES, state.messages.length)
    state.hasOlder = Boolean(reply.has_more)
  }

  /**
   * Page back through room `name` (joined) until message `id` is loaded;
   * true once it is there, false if the room has no such message.
   */
  async function loadUntil(name: string, id: number): Promise<boolean> {
    for (let page = 0; page < MAX_FIND_PAGES; page++) {
      const state = rooms[name]
      if (!state) return false
      const ids = state.messages.map((m) => m.id)
      if (!needsOlderFor(ids, id, state.hasOlder)) return ids.includes(id)
      await loadOlder(name, 200)
    }
    return rooms[name]?.messages.some((m) => m.id === id) ?? false
  }

  /** Open a DM conversation and load (or catch up on) its history. */
  async function openDm(peer: string): Promise<void> {
    const state = dm(peer)
    let after = lastId(state.messages)
    if (!after) {
      mergeById(state.messages, (await chat.request('dm_history', { with: peer })).messages, KEEP_MESSAGES)
      return
    }
    // Catching up after a reconnect or `resync`: page until nothing is missing.
    for (let page = 0; page < MAX_RESUME_PAGES; page++) {
      const missed = await chat.request('dm_history', { with: peer, after_id: after })
      mergeById(state.messages, missed.messages, KEEP_MESSAGES)
      if (!missed.has_more || !missed.messages.length) break
      after = lastId(missed.messages)
    }
  }

  async function refreshDirectory(): Promise<void> {
    directory.value = (await chat.request('rooms', {})).rooms
  }

  async function loadConversations(): Promise<void> {
    const reply = await chat.request('conversations', {})
    for (const { with: peer, last } of reply.conversations) mergeById(dm(peer).messages, [last])
  }

  /**
   * Post `text` to room `name`. Pass the draft's `clientId` (lib/draftId) so
   * that retrying a send that timed out cannot store the message twice.
   */
  async function send(
    name: string,
    text: string,
    clientId = newClientId(),
    options?: RequestOptions,
    extras: MessageExtras = {},
  ): Promise<void> {
    // `annotate` is the annotations' field of this payload (docs/contract.md `/chat`).
    const payload = { room: name, text, client_id: clientId, ...extrasPayload(extras) }
    const reply = await chat.request('message', payload, options)
    const state = rooms[name] // gone if the room was left meanwhile
    if (state) mergeById(state.messages, [reply.message], state.keep)
  }

  /** Send a direct message; `clientId` as for `send`. */
  async function sendDm(
    peer: string,
    text: string,
    clientId = newClientId(),
    options?: RequestOptions,
    extras: Pick<MessageExtras, 'embed'> = {},
  ): Promise<void> {
    const reply = await chat.request('dm', { to: peer, text, client_id: clientId, ...extrasPayload(extras) }, options)
    mergeById(dm(peer).messages, [reply.message], KEEP_MESSAGES)
  }

  function markRead(conversation: Conversation) {
    const state = conversation.kind === 'room' ? rooms[conversation.name] : dms[conversation.name]
    if (state) state.unread = 0
  }

  chat.on('message', (message) => {
    const state = rooms[message.room]
    if (!state) return
    if (mergeById(state.messages, [message], state.keep) && message.user !== me() && !isViewing('room', message.room)) {
      state.unread++
    }
  })

  chat.on('dm', (message) => {
    const peer = message.from === me() ? message.to : message.from
    const state = dm(peer)
    if (mergeById(state.messages, [message], KEEP_MESSAGES) && message.from !== me() && !isViewing('dm', peer)) {
      state.unread++
    }
  })

  chat.on('presence', ({ room: name, user: who, online }) => {
    const state = rooms[name]
    if (state) state.members[who] = online
  })

  chat.on('notification', (note: ChatNotification) => {
    if (note.kind === 'dm' && isViewing('dm', note.from)) return
    if (note.kind === 'mention' && note.room && isViewing('room', note.room)) return
    pushToast({
      kind: 'info',
      title: note.kind === 'dm' ? `${note.from} sent you a message` : `${note.from} mentioned you in #${note.room}`,
      body: note.preview,
      to: note.kind === 'dm' ? `/chat/dm/${note.from}` : `/chat/room/${note.room}`,
      linkLabel: note.kind === 'dm' ? `Reply to ${note.from}` : `Open #${note.room}`,
    })
  })

  chat.onConnect(async () => {
    const names = Object.keys(rooms).length ? Object.keys(rooms) : roomsToRejoin(savedRooms.value)
    // One room that fails to (re-)join must not stop the others or the DM catch-up.
    const joins = await Promise.allSettled(names.map((name) => join(name)))
    const failed = joins.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    try {
      await Promise.all(Object.keys(dms).map((peer) => openDm(peer)))
      await Promise.all([refreshDirectory(), loadConversations()])
    } catch (err) {
      failed.push({ status: 'rejected', reason: err })
    }
    if (failed.length) {
      pushToast({ kind: 'error', title: 'Chat could not catch up', body: (failed[0].reason as Error).message })
    }
  })

  const unreadTotal = computed(
    () =>
      Object.values(rooms).reduce((sum, r) => sum + r.unread, 0) + Object.values(dms).reduce((sum, d) => sum + d.unread, 0),
  )

  return {
    rooms,
    dms,
    directory,
    active,
    unreadTotal,
    status: chat.status,
    me: computed(me),
    join,
    leave,
    loadOlder,
    loadUntil,
    openDm,
    refreshDirectory,
    send,
    sendDm,
    markRead,
  }
}

/** The shared chat store; alive while any component uses it. */
export const useChat = createSharedComposable(createChat)
