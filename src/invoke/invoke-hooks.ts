/**
 * Optional observability callbacks for the invoke proxy; the metrics module attaches what it
 * wants. Hooks run synchronously on the invoke path: keep them cheap. A hook that throws is
 * ignored (it never fails an invocation).
 */
import type { ErrorCode } from '../errors.js';

/** One finished invocation of a known worker (rejected requests before lookup are not reported). */
export interface InvokeEvent {
  /** Worker name. */
  worker: string;
  functionName: string;
  /** 'ok' when the worker answered (any HTTP status), else the error code returned. */
  outcome: 'ok' | ErrorCode;
  /** Worker HTTP status when it answered. */
  statusCode?: number | undefined;
  /** From the start of `invoke()` to its end (queue, readiness and HTTP included), ms. */
  durationMs: number;
  /** Time spent waiting for the worker's gate, ms. */
  queuedMs: number;
  /** Time from the first HTTP attempt to the end of the body (retries included), ms; 0 if none. */
  upstreamMs: number;
  /** HTTP attempts made (> 1 only after refused connections). */
  attempts: number;
  requestBytes: number;
  responseBytes: number;
}

export interface InvokeHooks {
  /** The number of callers waiting for `worker`'s gate changed (the one in flight not counted). */
  queueLength?: (worker: string, waiting: number) => void;
  /** An invocation finished (successfully or not). */
  invoked?: (event: InvokeEvent) => void;
}

/** Calls `fn` and swallows what it throws. */
export function safeHook(fn: () => void): void {
  try {
    fn();
  } catch {
    // a broken hook must not fail the invocation
  }
}
