/**
 * Minimal REST client for `/api`: JSON in and out, errors as ApiRequestError
 * carrying the contract's error code.
 */
import type { ErrorBody } from '@/types/contract'

let baseUrl = ''

/** Point REST calls at another origin (tests); the page's own origin by default. */
export function setApiBase(url: string): void {
  baseUrl = url.replace(/\/$/, '')
}

/** A REST call that answered an error status, or could not be made. */
export class ApiRequestError extends Error {
  readonly code: string
  readonly status: number

  constructor(code: string, message: string, status: number) {
    super(message)
    this.name = 'ApiRequestError'
    this.code = code
    this.status = status
  }
}

/** Call `path` (e.g. `/api/auth/login`) and return its JSON body. */
export async function apiRequest<T>(
  path: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (init.body !== undefined) headers['Content-Type'] = 'application/json'
  if (init.token) headers.Authorization = `Bearer ${init.token}`
  let response: Response
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  } catch {
    throw new ApiRequestError('network', 'the server cannot be reached', 0)
  }
  const body = await response.json().catch(() => null)
  if (!response.ok) {
    const error = (body as { error?: ErrorBody } | null)?.error
    throw new ApiRequestError(
      error?.code ?? 'internal',
      error?.message ?? `${response.status} ${response.statusText}`,
      response.status,
    )
  }
  return body as T
}
