/**
 * Per-host concurrency: one p-queue per operation class, so that a burst of pulls cannot
 * starve destroys and the daemon never sees more parallel work than it handles well.
 *
 * Semantics of {@link Limiter.run}:
 * - while queued, the caller's signal aborting removes the work from the queue and the call
 *   rejects with a CANCELLED {@link AgentError} (the signal's reason when it already is one);
 * - once running, the work receives the caller's signal and keeps its slot until it settles,
 *   so the limit bounds what really runs, also for aborted work that is still unwinding.
 */
import PQueue from 'p-queue';
import { AgentError } from '../errors.js';

/** The operation classes that have their own limit. */
export type OpClass = 'pull' | 'create' | 'network' | 'start' | 'destroy';

export const OP_CLASSES: readonly OpClass[] = Object.freeze(['pull', 'create', 'network', 'start', 'destroy']);

/** Maximum number of operations of each class running at once (positive integers). */
export type LimiterLimits = Readonly<Record<OpClass, number>>;

export interface LimiterOptions {
  limits: LimiterLimits;
  /** Called when queued work starts, with the time it waited (ms); for metrics. */
  onWait?: ((cls: OpClass, waitedMs: number) => void) | undefined;
  /** Monotonic clock in ms; defaults to `performance.now`. */
  now?: (() => number) | undefined;
}

export interface ClassStats {
  /** Operations of the class running now. */
  running: number;
  /** Operations of the class waiting for a slot. */
  queued: number;
  /** The configured limit. */
  limit: number;
}

export interface RunOptions {
  signal?: AbortSignal | undefined;
}

export interface Limiter {
  /**
   * Runs `fn` when a slot of class `cls` is free. Rejects with CANCELLED when `signal` aborts
   * while the work is still queued; otherwise settles as `fn` does.
   */
  run<T>(cls: OpClass, fn: (signal: AbortSignal | undefined) => Promise<T>, opts?: RunOptions): Promise<T>;
  /** Running and queued counts per class (a fresh object each call). */
  stats(): Record<OpClass, ClassStats>;
  /** Resolves when every class has nothing running and nothing queued. */
  onIdle(): Promise<void>;
}

/** Turns an abort reason into the CANCELLED error the caller sees. */
function cancelledError(cls: OpClass, reason: unknown): AgentError {
  if (reason instanceof AgentError) return reason;
  const detail = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new AgentError('CANCELLED', `${cls} operation cancelled while waiting for a slot${detail}`, {
    cause: reason,
    step: 'limiter',
  });
}

/**
 * Builds the limiter. Throws a TypeError when a limit is not a positive integer (config
 * validation normally catches that first).
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const now = options.now ?? (() => performance.now());
  const queues = new Map<OpClass, PQueue>();
  for (const cls of OP_CLASSES) {
    const limit = options.limits[cls];
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`limit for ${cls} must be a positive integer, got ${limit}`);
    queues.set(cls, new PQueue({ concurrency: limit }));
  }
  const queueOf = (cls: OpClass): PQueue => {
    const q = queues.get(cls);
    if (!q) throw new TypeError(`unknown operation class: ${String(cls)}`);
    return q;
  };

  return {
    run<T>(cls: OpClass, fn: (signal: AbortSignal | undefined) => Promise<T>, opts?: RunOptions): Promise<T> {
      const queue = queueOf(cls);
      const signal = opts?.signal;
      if (signal?.aborted) return Promise.reject(cancelledError(cls, signal.reason));
      const enqueuedAt = now();
      const task = () => {
        options.onWait?.(cls, now() - enqueuedAt);
        return fn(signal);
      };
      if (!signal) return queue.add(task);
      return runAbortable(queue, cls, signal, task);
    },
    stats() {
      const out = {} as Record<OpClass, ClassStats>;
      for (const [cls, q] of queues) out[cls] = { running: q.pending, queued: q.size, limit: q.concurrency };
      return out;
    },
    async onIdle() {
      await Promise.all([...queues.values()].map((q) => q.onIdle()));
    },
  };
}

/**
 * Queues `task` so that only the queued phase is abortable through p-queue: the signal given
 * to p-queue is a private one that we abort only before the task has started.
 */
function runAbortable<T>(queue: PQueue, cls: OpClass, signal: AbortSignal, task: () => Promise<T>): Promise<T> {
  const queued = new AbortController();
  let started = false;
  const onAbort = () => {
    if (!started) queued.abort(signal.reason);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const started$ = () => {
    started = true;
    signal.removeEventListener('abort', onAbort);
    return task();
  };
  return queue.add(started$, { signal: queued.signal }).catch((err: unknown) => {
    signal.removeEventListener('abort', onAbort);
    if (!started) throw cancelledError(cls, signal.reason ?? err);
    throw err;
  });
}
