/** Bounded retries with exponential backoff and jitter, cancellable by an AbortSignal. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Attempts in total (1 = no retry). @default 4 */
  attempts: number;
  /** First delay. @default 200 */
  baseDelayMs: number;
  /** Cap of one delay. @default 3000 */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 3000 };

/** Pure. Delay before attempt `n` (1-based retry count), with ±25 % jitter from `rand`. */
export function backoffDelay(policy: RetryPolicy, n: number, rand: () => number = Math.random): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
  return Math.round(raw * (0.75 + rand() * 0.5));
}

/** Pure. HTTP statuses worth another try: 408, 429, 5xx except 501/505. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);

/** Pure. True for network-level errors (connect refused/reset/timeouts) anywhere in the cause chain. */
export function isTransientNetworkError(err: unknown): boolean {
  for (let e: unknown = err, d = 0; e && d < 6; e = (e as { cause?: unknown }).cause, d++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  }
  return false;
}

/**
 * Runs `fn(attempt)` until it succeeds, `shouldRetry(err)` is false, or attempts run out;
 * sleeps the backoff in between (aborting the sleep rejects with the signal's reason).
 * `Retry-After` hints are honoured through `delayHint(err)` when given (capped by maxDelayMs).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: { policy: RetryPolicy; shouldRetry: (err: unknown) => boolean; signal?: AbortSignal | undefined; delayHint?: (err: unknown) => number | undefined; onRetry?: (err: unknown, attempt: number, delayMs: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.policy.attempts || opts.signal?.aborted || !opts.shouldRetry(err)) throw err;
      const hint = opts.delayHint?.(err);
      const delay = hint !== undefined ? Math.min(hint, opts.policy.maxDelayMs) : backoffDelay(opts.policy, attempt);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, undefined, { signal: opts.signal });
    }
  }
}
