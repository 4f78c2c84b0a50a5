/**
 * The signed-in user and their token, kept in localStorage so a reload stays
 * signed in. The socket layer reads the token on every connect attempt.
 */
import { useLocalStorage } from '@vueuse/core'
import { computed, reactive, readonly, type Ref } from 'vue'

import { apiRequest, setApiToken } from '@/lib/api'
import { configureConnection, resetConnections } from '@/lib/connection'
import { jsonSerializer } from '@/lib/storedJson'
import type { Session, User } from '@/types/contract'

const STORAGE_KEY = 'pulseboard.session'

/** What the storage holds, if it is a session (a token and a user); null otherwise. */
export function storedSession(parsed: unknown): Session | null {
  const session = parsed as Partial<Session> | null | undefined
  return session?.token && session.user ? (session as Session) : null
}

// Read once at start-up (the e2e fixtures store a session before the page
// loads); written at once on every change, removed on sign-out (null).
// Another tab signing in or out leaves this one as it is.
const stored = useLocalStorage<Session | null>(STORAGE_KEY, null, {
  serializer: jsonSerializer(storedSession),
  flush: 'sync',
  listenToStorageChanges: false,
})

const state = reactive({
  // reactive() unwraps the ref: state.session reads and writes the stored value.
  session: stored as Ref<Session | null>,
  notice: null as string | null,
})

function save(session: Session | null): void {
  state.session = session
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
