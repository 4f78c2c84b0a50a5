/**
 * The event contract of docs/contract.md as TypeScript types: every namespace's
 * client→server events (payload and ack) and server→client events.
 * Keep this file in step with the contract; the views only speak through it.
 */

/** The error codes a failure ack or REST error body can carry. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'too_large'
  | 'internal'

/** Codes the client adds for failures that never reached the server's handler. */
export type ClientErrorCode = 'timeout' | 'disconnected'

export interface ErrorBody {
  code: ErrorCode
  message: string
}

export interface Failure {
  ok: false
  error: ErrorBody
}

/** A success ack: `{ok: true}` plus the event's fields. */
export type Success<T extends object = object> = { ok: true } & T

/** Milliseconds since the epoch (an integer). */
export type Timestamp = number

// -- auth (REST) ---------------------------------------------------------------

export interface User {
  id: number
  username: string
}

export interface Session {
  token: string
  user: User
}

// -- health (REST, no token) ---------------------------------------------------

/** `GET /api/health`: `degraded` (still HTTP 200) while the message queue is down. */
export interface Health {
  status: 'ok' | 'degraded'
  version: string
  async_mode: string
  /** The queue's scheme (`redis`), or null without one. */
  message_queue: string | null
  /** null when the worker runs without a message queue. */
  queue: 'up' | 'down' | null
  /** The SQLAlchemy dialect, e.g. `sqlite`, `postgresql`. */
  db: string
  /** `host:pid` of the answering worker. */
  worker: string
}

// -- ingest (REST, docs/ingest.md) ----------------------------------------------

/** One refused line (or one refused field of a line) of `POST /api/write`. */
export interface WriteLineError {
  /** 1-based line of the body. */
  line: number
  code: 'bad_request' | 'forbidden' | 'too_large'
  message: string
  /** Set when only this field's stream was refused; the line's other fields were stored. */
  field?: string
}

/**
 * `POST /api/write` and `/api/v2/write` (line protocol): 202 with `ok: true`, or 207 (some
 * stored) / 400 (nothing stored) with `ok: false`, `error` and `errors`.
 */
export interface WriteReply {
  ok: boolean
  accepted_lines: number
  refused_lines: number
  points: number
  streams: number
  skipped_fields: number
  error?: ErrorBody
  errors?: WriteLineError[]
}

/** Sent on every namespace after a message-queue outage: subscribe again. */
export interface Resync {
  reason: 'queue'
}

// -- /charts -------------------------------------------------------------------

/** `[t_ms, value]` */
export type Point = [number, number]

export interface StreamInfo {
  name: string
  label: string
  unit: string
  /** How many points the server keeps for the stream (its window); older servers leave it out. */
  window_points?: number
  /** The producer's sampling interval; null for streams fed from outside (published). */
  interval_ms?: number | null
}

export interface PointsFrame {
  stream: string
  points: Point[]
}

export interface ChartsRequests {
  streams: { payload: Record<string, never>; reply: { streams: StreamInfo[] } }
  subscribe: { payload: { stream: string }; reply: { stream: string; points: Point[] } }
  unsubscribe: { payload: { stream: string }; reply: object }
}

export interface ChartsEvents {
  points: PointsFrame
  resync: Resync
}

// -- /logs ---------------------------------------------------------------------

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface TaskDefinition {
  name: string
  description: string
}

export interface TaskSummary {
  id: number
  name: string
  status: TaskStatus
  /** 0–100 */
  progress: number
  started_at: Timestamp | null
  // Details the server adds beyond the contract's minimum:
  steps?: TaskStep[]
  exit_code?: number | null
  reason?: string | null
  started_by?: string | null
  created_at?: Timestamp | null
  finished_at?: Timestamp | null
  line_count?: number
}

export interface TaskStep {
  name: string
  status: string
}

export interface TaskDetail extends TaskSummary {
  steps: TaskStep[]
}

export interface LogLine {
  seq: number
  ts: Timestamp
  stream: string
  text: string
}

export interface LinesFrame {
  task_id: number
  lines: LogLine[]
}

/** The `task` event: a run's state changed. */
export type TaskUpdate = Pick<TaskSummary, 'id' | 'status' | 'progress'> & Partial<TaskSummary>

export interface LogsRequests {
  tasks: {
    payload: Record<string, never>
    reply: { definitions: TaskDefinition[]; tasks: TaskSummary[] }
  }
  start: { payload: { name: string }; reply: { task: TaskSummary } }
  cancel: { payload: { task_id: number }; reply: object }
  subscribe: {
    payload: { task_id: number; after_seq?: number }
    // `more: true` means the reply was cut: subscribe again after the last seq.
    reply: { task: TaskDetail; lines: LogLine[]; more?: boolean }
  }
  unsubscribe: { payload: { task_id: number }; reply: object }
}

export interface LogsEvents {
  lines: LinesFrame
  task: TaskUpdate
  resync: Resync
}

// -- /debug --------------------------------------------------------------------

export type DebugLevel = 'debug' | 'info' | 'warning' | 'error' | 'success'

export interface DebugMessage {
  id: number
  ts: Timestamp
  level: DebugLevel
  source: string
  message: string
  context: Record<string, unknown> | null
  count: number
}

export interface DebugRequests {
  subscribe: {
    payload: { levels?: DebugLevel[]; sources?: string[] }
    reply: { messages: DebugMessage[] }
  }
}

export interface DebugEvents {
  debug: DebugMessage
  resync: Resync
}

// -- /chat ---------------------------------------------------------------------

export interface RoomMessage {
  id: number
  room: string
  user: string
  text: string
  ts: Timestamp
  client_id: string | null
}

export interface DirectMessage {
  id: number
  from: string
  to: string
  text: string
  ts: Timestamp
  client_id: string | null
}

export interface ChatNotification {
  kind: 'dm' | 'mention'
  from: string
  message_id: number
  preview: string
  room?: string
}

export interface Presence {
  room: string
  user: string
  online: boolean
}

export interface ChatRequests {
  join: {
    payload: { room: string }
    reply: { room: string; members: string[]; messages: RoomMessage[] }
  }
  leave: { payload: { room: string }; reply: object }
  message: {
    payload: { room: string; text: string; client_id?: string }
    reply: { message: RoomMessage }
  }
  dm: { payload: { to: string; text: string; client_id?: string }; reply: { message: DirectMessage } }
  history: {
    payload: { room: string; before_id?: number; limit?: number }
    reply: { messages: RoomMessage[]; has_more?: boolean }
  }
  resume: {
    payload: { room: string; after_id: number }
    reply: { messages: RoomMessage[]; has_more?: boolean }
  }
  dm_history: {
    payload: { with: string; before_id?: number; after_id?: number }
    reply: { messages: DirectMessage[]; has_more?: boolean }
  }
  // Every room, and the caller's DM conversations.
  rooms: { payload: Record<string, never>; reply: { rooms: { name: string; online: number }[] } }
  conversations: {
    payload: Record<string, never>
    reply: { conversations: { with: string; last: DirectMessage }[] }
  }
}

export interface ChatEvents {
  message: RoomMessage
  dm: DirectMessage
  notification: ChatNotification
  presence: Presence
  resync: Resync
}

// -- namespaces ----------------------------------------------------------------

/** Each namespace's requests (events with an ack) and pushed events. */
export interface Namespaces {
  '/charts': { requests: ChartsRequests; events: ChartsEvents }
  '/logs': { requests: LogsRequests; events: LogsEvents }
  '/debug': { requests: DebugRequests; events: DebugEvents }
  '/chat': { requests: ChatRequests; events: ChatEvents }
}

export type NamespaceName = keyof Namespaces

/** The namespaces the Console offers; any other path can be typed in. */
export const NAMESPACES: NamespaceName[] = ['/charts', '/logs', '/debug', '/chat']
