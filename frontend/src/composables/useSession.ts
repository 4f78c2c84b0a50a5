/**
 * The signed-in user and their token, kept in localStorage so a reload stays
 * signed in. The socket layer reads the token on every connect attempt.
 */
import { computed, reactive, readonly } from 'vue'

import { apiRequest, setApiToken } from '@/lib/api'
import { configureConnection, resetConnections } from '@/lib/connection'
import type { Session, User } from '@/types/contract'

const STORAGE_KEY = 'pulseboard.session'

function load(): Session | null {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY)
    const parsed = raw ? (JSON.parse(raw) as Session) : null
    return parsed?.token && parsed.user ? parsed : null
  } catch {
    return null
  }
}

const state = reactive<{ session: Session | null; notice: string | null }>({
  session: load(),
  notice: null,
})

function save(session: Session | null): void {
  state.session = session
  if (session) globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(session))
  else globalThis.localStorage?.removeItem(STORAGE_KEY)
}

/** Sign out; `notice` explains why on the login page (e.g. an expired session). */
export function signOut(notice: string | null = null): void {
  save(null)
  state.notice = notice
  resetConnections()
}

/** Wire the socket layer to this session; called once at start-up. */
export function connectSessionToSockets(url?: string): void {
  setApiToken(() => state.session?.token ?? null)
  configureConnection({
    url,
    token: () => state.session?.token ?? null,
    onUnauthorized: () => signOut('Your session has expired. Please sign in again.'),
  })
}

/** Register or log in, and keep the session. */
async function authenticate(kind: 'login' | 'register', username: string, password: string) {
  const session = await apiRequest<Session>(`/api/auth/${kind}`, { body: { username, password }, token: null })
  state.notice = null
  save(session)
  return session.user
}

/** The session for components: who is signed in, and the actions. */
export function useSession() {
  return {
    state: readonly(state),
    user: computed<User | null>(() => state.session?.user ?? null),
    signedIn: computed(() => state.session !== null),
    login: (username: string, password: string) => authenticate('login', username, password),
    register: (username: string, password: string) => authenticate('register', username, password),
    signOut,
  }
}
