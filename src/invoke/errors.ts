/**
 * How the invoke proxy turns transport failures and aborts into AgentErrors. The one rule that
 * matters: only a failure that happened before any request byte could reach the worker (the
 * connection was refused) is retryable; everything else may have run the function, so it is
 * reported as UNAVAILABLE with "outcome unknown" and never retried (contract §8.6).
 */
import { AgentError, type ErrorCode } from '../errors.js';

/** What a transport error means for the invocation. */
export type TransportFailure =
  /**
   * Nothing was sent and trying again may work: the connection was refused (the readiness
   * case), or our own client for the worker was closed because the worker left `running`.
   * The caller re-checks the worker's state, then retries.
   */
  | 'retryable'
  /** Nothing was sent, but the worker cannot be reached (connect timeout, no route, …). */
  | 'notSent'
  /** The request may have reached the worker. */
  | 'unknownOutcome';

const RETRYABLE_UNSENT = new Set(['ECONNREFUSED', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Classifies an undici/net error thrown by a request. Pure.
 * @param sent whether the request reached a socket (undici started writing it); a connect
 *   error proves nothing was sent even without that flag.
 */
export function classifyTransportError(err: unknown, sent: boolean): TransportFailure {
  const code = codeOf(err);
  if (code === 'ECONNREFUSED') return 'retryable';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'notSent';
  if (sent) return 'unknownOutcome';
  return code !== undefined && RETRYABLE_UNSENT.has(code) ? 'retryable' : 'notSent';
}

/** Short description of a transport error for messages. Pure. */
export function describeTransportError(err: unknown): string {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * The error for a transport failure that cannot be retried. Pure.
 * @param worker the worker name, for the message.
 */
export function transportError(err: unknown, worker: string, sent: boolean): AgentError {
  const detail = describeTransportError(err);
  if (classifyTransportError(err, sent) !== 'unknownOutcome') {
    return new AgentError('UNAVAILABLE', `worker ${worker} unreachable: ${detail}; the request was not sent`, {
      cause: err, step: 'invoke',
    });
  }
  return new AgentError(
    'UNAVAILABLE',
    `connection to worker ${worker} failed after the request may have been delivered: ${detail}; ` +
      'the invocation outcome is unknown and it was not retried',
    { cause: err, step: 'invoke' },
  );
}

/**
 * The code a caller's abort maps to: the reason's own code when it is an AgentError, a
 * `TimeoutError` (e.g. `AbortSignal.timeout`) → DEADLINE_EXCEEDED, anything else → CANCELLED.
 * Pure.
 */
export function abortCode(reason: unknown): ErrorCode {
  if (reason instanceof AgentError) return reason.code;
  if (reason instanceof Error && reason.name === 'TimeoutError') return 'DEADLINE_EXCEEDED';
  return 'CANCELLED';
}
