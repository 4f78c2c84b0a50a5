/** Routes: the login page is public, every other view needs a session. */
import { createRouter, createWebHistory } from 'vue-router'

import { useSession } from '@/composables/useSession'
import { isChunkLoadError, routeLoadFailure } from '@/lib/routeLoad'
import DashboardView from '@/views/DashboardView.vue'
import LoginView from '@/views/LoginView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean
    /** The page title after "Pulseboard · ". */
    title?: string
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: 'Sign in' } },
    { path: '/', name: 'dashboard', component: DashboardView, meta: { title: 'Dashboard' } },
    {
      path: '/tasks/:id(\\d+)?',
      name: 'tasks',
      component: () => import('@/views/TasksView.vue'),
      meta: { title: 'Tasks' },
    },
    { path: '/debug', name: 'debug', component: () => import('@/views/DebugView.vue'), meta: { title: 'Debug' } },
    { path: '/alerts', name: 'alerts', component: () => import('@/views/AlertsView.vue'), meta: { title: 'Alerts' } },
    {
      path: '/chat/:kind(room|dm)?/:name?',
      name: 'chat',
      component: () => import('@/views/ChatView.vue'),
      meta: { title: 'Chat' },
    },
    {
      path: '/console',
      name: 'console',
      component: () => import('@/views/ConsoleView.vue'),
      meta: { title: 'Console' },
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to) => {
  const { signedIn } = useSession()
  if (!to.meta.public && !signedIn.value) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  }
  if (to.name === 'login' && signedIn.value) return { name: 'dashboard' }
  return true
})

router.afterEach((to, _from, failure) => {
  if (failure) return
  routeLoadFailure.value = null
  document.title = to.meta.title ? `${to.meta.title} · Pulseboard` : 'Pulseboard'
})

// A lazy page that cannot load (offline) would otherwise leave the click doing nothing.
router.onError((error, to) => {
  if (!isChunkLoadError(error)) throw error
  routeLoadFailure.value = {
    to: to.fullPath,
    message: `The ${to.meta.title ?? 'page'} page could not be loaded: the server cannot be reached.`,
  }
})
