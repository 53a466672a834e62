/**
 * Per-call deadlines for the Docker adapter: every daemon call gets a signal that fires on
 * the caller's abort OR after its own timeout, and the call's promise is raced against that
 * signal so a hung daemon (or a library that ignores the signal) can never hang a worker.
 */
import { AgentError } from '../../errors.js';

/** A combined signal plus the knowledge of why it fired. */
export interface Deadline {
  signal: AbortSignal;
  /** 'caller' when the caller's signal fired, 'timeout' when ours did, undefined otherwise. */
  firedBy(): 'caller' | 'timeout' | undefined;
  dispose(): void;
}

/** Creates a deadline of `timeoutMs` linked to `parent`. Pure apart from one timer. */
export function createDeadline(parent: AbortSignal | undefined, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let fired: 'caller' | 'timeout' | undefined;
  const onParent = (): void => {
    fired ??= 'caller';
    controller.abort(parent?.reason);
  };
  const timer = setTimeout(() => {
    fired ??= 'timeout';
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  timer.unref?.();
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    firedBy: () => fired,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** The error for a call that the deadline stopped. */
export function deadlineError(deadline: Deadline, what: string, timeoutMs: number, step: string): AgentError {
  return deadline.firedBy() === 'timeout'
    ? new AgentError('DEADLINE_EXCEEDED', `${what}: Docker did not answer within ${timeoutMs} ms`, { step })
    : new AgentError('CANCELLED', `${what}: cancelled`, { step });
}

/**
 * Runs `fn(signal)` under a deadline. Resolves with its value; rejects with the raw error
 * (for the caller to map) or with DEADLINE_EXCEEDED / CANCELLED when the deadline fires first.
 */
export async function withDeadline<T>(
  parent: AbortSignal | undefined,
  timeoutMs: number,
  what: string,
  step: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = createDeadline(parent, timeoutMs);
  try {
    if (deadline.signal.aborted) throw deadlineError(deadline, what, timeoutMs, step);
    return await new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(deadlineError(deadline, what, timeoutMs, step));
      deadline.signal.addEventListener('abort', onAbort, { once: true });
      fn(deadline.signal).then(
        (v) => {
          deadline.signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err: unknown) => {
          deadline.signal.removeEventListener('abort', onAbort);
          reject(deadline.signal.aborted ? deadlineError(deadline, what, timeoutMs, step) : err);
        },
      );
    });
  } finally {
    deadline.dispose();
  }
}

/** Resolves after `ms`, or rejects with CANCELLED when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal, step = 'docker'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AgentError('CANCELLED', 'cancelled', { step }));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AgentError('CANCELLED', 'cancelled', { step }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
