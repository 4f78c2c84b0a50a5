import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

// The Flask dev server (`make dev`) the dev proxy forwards to.
const BACKEND = process.env.PULSEBOARD_BACKEND ?? 'http://127.0.0.1:5000'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    // No changeOrigin: the backend admits the Vite origin itself, and a
    // rewritten Origin would no longer match the Host (handshake 400).
    proxy: {
      '/api': { target: BACKEND },
      '/socket.io': { target: BACKEND, ws: true },
    },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    globalSetup: ['./test-support/vitest-backend.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // One file at a time: the backend and the machine are shared.
    fileParallelism: false,
  },
})
