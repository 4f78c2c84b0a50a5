/**
 * Minimal REST client for `/api`: JSON in and out, errors as ApiRequestError
 * carrying the contract's error code.
 */
import type { ErrorBody } from '@/types/contract'

let baseUrl = ''
let currentToken: () => string | null = () => null

/** Point REST calls at another origin (tests); the page's own origin by default. */
export function setApiBase(url: string): void {
  baseUrl = url.replace(/\/$/, '')
}

/**
 * Where REST calls find the session token: every call sends
 * `Authorization: Bearer <token>` while someone is signed in (reads need it).
 */
export function setApiToken(token: () => string | null): void {
  currentToken = token
}

/** A REST call that answered an error status, or could not be made. */
export class ApiRequestError extends Error {
  readonly code: string
  readonly status: number
  /** The JSON body of the error response, when it had one. */
  readonly body: unknown

  constructor(code: string, message: string, status: number, body: unknown = null) {
    super(message)
    this.name = 'ApiRequestError'
    this.code = code
    this.status = status
    this.body = body
  }
}

interface ApiInit {
  method?: string
  body?: unknown
  /** The token to send; the signed-in user's when omitted, none when null. */
  token?: string | null
  accept?: string
}

async function send(path: string, init: ApiInit): Promise<Response> {
  const headers: Record<string, string> = { Accept: init.accept ?? 'application/json' }
  if (init.body !== undefined) headers['Content-Type'] = 'application/json'
  const token = init.token === undefined ? currentToken() : init.token
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  } catch {
    throw new ApiRequestError('network', 'The server cannot be reached.', 0)
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null)
    const error = (body as { error?: ErrorBody } | null)?.error
    throw new ApiRequestError(
      error?.code ?? 'internal',
      error?.message ?? `${response.status} ${response.statusText}`,
      response.status,
      body,
    )
  }
  return response
}

/** Call `path` (e.g. `/api/auth/login`) and return its JSON body. */
export async function apiRequest<T>(path: string, init: ApiInit = {}): Promise<T> {
  const response = await send(path, init)
  return (await response.json().catch(() => null)) as T
}

/** GET `path` as a Blob (a task log download), with the session's token. */
export async function apiBlob(path: string): Promise<Blob> {
  return (await send(path, { accept: '*/*' })).blob()
}
