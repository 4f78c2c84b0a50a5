/**
 * The event contract of docs/contract.md for the SPA.
 *
 * The types are generated (`contract.gen.ts`, `contract.limits.gen.ts`) from
 * docs/contract.schema.json, which is exported from the backend's pydantic
 * models (backend/pulseboard/contract): regenerate with `make contract`,
 * never edit the generated files. This module re-exports them under the names
 * the views use and keeps only what a schema cannot say: client-side error
 * codes, the success-ack helper and a few derived names.
 */
import type {
  Alert,
  DebugMessage,
  ErrorBody,
  Namespaces,
  Notification,
  PointsFrame,
  StreamInfo as SentStreamInfo,
  Task,
  TaskStep,
} from './contract.gen'

export type {
  Alert,
  AlertEvent,
  AlertRule,
  Annotation,
  AnnotationsAck,
  Credentials,
  DebugMessage,
  DirectMessage,
  ErrorBody,
  Failure,
  Health,
  LinesFrame,
  LogLine,
  Namespaces,
  PointsFrame,
  Presence,
  Resync,
  RoomMessage,
  RunEmbed,
  SentRunEmbed,
  SentStreamEmbed,
  Session,
  StreamEmbed,
  TaskDefinition,
  TaskStep,
  User,
} from './contract.gen'

/** The error codes a failure ack or REST error body can carry. */
export type ErrorCode = ErrorBody['code']

/** Codes the client adds for failures that never reached the server's handler. */
export type ClientErrorCode = 'timeout' | 'disconnected'

/** A success ack: `{ok: true}` plus the event's fields. */
export type Success<T extends object = object> = { ok: true } & T

/** Milliseconds since the epoch (an integer). */
export type Timestamp = number

/** `[t_ms, value]` */
export type Point = PointsFrame['points'][number]

/**
 * A stream as `streams` lists it. The server always sends `window_points` and
 * `interval_ms`; the SPA also copes with a server older than them.
 */
export type StreamInfo = Omit<SentStreamInfo, 'window_points' | 'interval_ms'> &
  Partial<Pick<SentStreamInfo, 'window_points' | 'interval_ms'>>

export type TaskStatus = Task['status']
export type StepStatus = TaskStep['status']
/** A run as every event, ack and REST body carries it. */
export type TaskDetail = Task
/**
 * The server always sends the whole task object (`Task`); the task list
 * treats a `task` event as a partial update and keeps runs it built from one.
 */
export type TaskUpdate = Pick<Task, 'id' | 'status' | 'progress'> & Partial<Task>
export type TaskSummary = Pick<Task, 'id' | 'name' | 'status' | 'progress' | 'started_at'> & Partial<Task>

export type DebugLevel = DebugMessage['level']

export type AlertState = Alert['state']
export type AlertSeverity = Alert['severity']

/** The `notification` event: a DM or a mention. */
export type ChatNotification = Notification

export type NamespaceName = keyof Namespaces

// The limits and patterns (MAX_TEXT, ROOM_NAME_PATTERN, LEVELS, MENTION_PATTERN,
// NAMESPACES: the ones the Console offers...), as values.
export * from './contract.limits.gen'
