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
 * Cancel hooks of queued work, per caller signal. One 'abort' listener per signal, ever:
 * EventTarget listeners cost microseconds each, which adds up at 10,000 workers.
 */
const cancelHooks = new WeakMap<AbortSignal, Set<() => void>>();

function onAbortOnce(signal: AbortSignal, hook: () => void): () => void {
  let hooks = cancelHooks.get(signal);
  if (!hooks) {
    const set = new Set<() => void>();
    hooks = set;
    cancelHooks.set(signal, set);
    signal.addEventListener('abort', () => {
      for (const h of [...set]) h();
      set.clear();
    }, { once: true });
  }
  hooks.add(hook);
  const owned = hooks;
  return () => void owned.delete(hook);
}

/** What a task that has nothing (more) to do returns to p-queue. */
const NOTHING: Promise<void> = Promise.resolve();

/**
 * Builds the limiter. Throws a TypeError when a limit is not a positive integer (config
 * validation normally catches that first).
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const now = options.now ?? (() => performance.now());
  const queues = new Map<OpClass, PQueue>();
  /** Cancelled work still sitting in a p-queue until it is dequeued as a no-op. */
  const zombies = new Map<OpClass, number>();
  for (const cls of OP_CLASSES) {
    const limit = options.limits[cls];
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`limit for ${cls} must be a positive integer, got ${limit}`);
    queues.set(cls, new PQueue({ concurrency: limit }));
    zombies.set(cls, 0);
  }
  const queueOf = (cls: OpClass): PQueue => {
    const q = queues.get(cls);
    if (!q) throw new TypeError(`unknown operation class: ${String(cls)}`);
    return q;
  };

  const reportWait = (cls: OpClass, ms: number) => {
    try {
      options.onWait?.(cls, ms);
    } catch {
      // A metrics hook must never break the work it measures.
    }
  };

  function run<T>(cls: OpClass, fn: (signal: AbortSignal | undefined) => Promise<T>, opts?: RunOptions): Promise<T> {
    const queue = queueOf(cls);
    const signal = opts?.signal;
    if (signal?.aborted) return Promise.reject(cancelledError(cls, signal.reason));
    // A free slot and nobody waiting: p-queue starts the work synchronously, so it can never be
    // cancelled while queued and needs no wrapper of ours.
    if (queue.size === 0 && queue.pending < queue.concurrency) {
      reportWait(cls, 0);
      return queue.add(() => fn(signal));
    }
    return enqueue(cls, queue, fn, signal);
  }

  /** Queues work behind a full class; it leaves the queue (CANCELLED) if `signal` aborts first. */
  function enqueue<T>(cls: OpClass, queue: PQueue, fn: (signal: AbortSignal | undefined) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const enqueuedAt = now();
    return new Promise<T>((resolve, reject) => {
      let state: 'queued' | 'started' | 'cancelled' = 'queued';
      let unhook: (() => void) | undefined;
      const task = (): Promise<void> => {
        if (state === 'cancelled') {
          zombies.set(cls, zombies.get(cls)! - 1);
          return NOTHING;
        }
        state = 'started';
        unhook?.();
        reportWait(cls, now() - enqueuedAt);
        let work: Promise<T>;
        try {
          work = fn(signal);
        } catch (err) {
          reject(err);
          return NOTHING;
        }
        return work.then(resolve, reject);
      };
      void queue.add(task);
      // p-queue starts work synchronously when a slot is free: only waiting work needs a hook.
      if (state === 'queued' && signal) {
        unhook = onAbortOnce(signal, () => {
          if (state !== 'queued') return;
          state = 'cancelled';
          zombies.set(cls, zombies.get(cls)! + 1);
          reject(cancelledError(cls, signal.reason));
        });
      }
    });
  }

  return {
    run,
    stats() {
      const out = {} as Record<OpClass, ClassStats>;
      for (const [cls, q] of queues) out[cls] = { running: q.pending, queued: q.size - zombies.get(cls)!, limit: q.concurrency };
      return out;
    },
    async onIdle() {
      await Promise.all([...queues.values()].map((q) => q.onIdle()));
    },
  };
}
