/** What a debug message's toast says: words a person reads, and where it links. */
import type { Toast } from '@/composables/useToasts'
import type { DebugMessage } from '@/types/contract'

type ToastText = Pick<Toast, 'title' | 'body' | 'to' | 'linkLabel'>

function seconds(ms: unknown): string | null {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? `${(ms / 1000).toFixed(1)} s` : null
}

/**
 * A task run's end ("pipeline #2 succeeded", "in 3.2 s", a link to the run);
 * any other message shows its text and its source, linking to the Debug page.
 */
export function debugToastText(message: DebugMessage): ToastText {
  const context = message.context ?? {}
  const taskId = message.source.startsWith('task:') ? Number(message.source.slice(5)) : NaN
  if (Number.isInteger(taskId) && typeof context.name === 'string' && typeof context.status === 'string') {
    const reason = message.message.includes(': ') ? message.message.slice(message.message.indexOf(': ') + 2) : null
    const took = seconds(context.duration_ms)
    return {
      title: `${context.name} #${taskId} ${context.status}`,
      body: reason ?? (took ? `in ${took}` : undefined),
      to: `/tasks/${taskId}`,
      linkLabel: `Open run #${taskId}`,
    }
  }
  return { title: message.message, body: `from ${message.source}`, to: '/debug', linkLabel: 'Open in Debug' }
}
