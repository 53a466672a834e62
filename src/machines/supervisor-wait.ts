/**
 * Waiting on a worker actor's snapshots, bounded by an AbortSignal. Used by the supervisor and
 * the worker handles; no timers (deadlines arrive as aborted signals).
 */
import { AgentError } from '../errors.js';
import type { WorkerSnapshot } from './worker-machine.js';

/** What a snapshot check says: keep waiting (undefined), resolve, or reject. */
export type Outcome<T> = { ok: T } | { err: AgentError } | undefined;

/** The part of a worker actor the waiters use. */
export interface SnapshotSource {
  getSnapshot(): WorkerSnapshot;
  subscribe(observer: { next: (s: WorkerSnapshot) => void; error: (e: unknown) => void; complete: () => void }): { unsubscribe(): void };
}

/**
 * The error for an aborted call: DEADLINE_EXCEEDED when the abort reason says deadline (an
 * AgentError with that code, a TimeoutError, or a message naming the deadline), else CANCELLED
 * (or the reason itself when it is an AgentError).
 */
export function abortError(signal: AbortSignal, what: string): AgentError {
  const reason: unknown = signal.reason;
  if (reason instanceof AgentError && (reason.code === 'DEADLINE_EXCEEDED' || reason.code === 'CANCELLED')) return reason;
  const text = reason instanceof Error ? `${reason.name} ${reason.message}` : String(reason ?? '');
  if (/deadline|timeout/i.test(text)) return new AgentError('DEADLINE_EXCEEDED', `${what}: deadline exceeded`, { cause: reason });
  return new AgentError('CANCELLED', `${what}: cancelled`, { cause: reason });
}

/**
 * Resolves or rejects as soon as `check` decides on the current or a later snapshot. When the
 * signal aborts first, calls `onAbort` (if given) and rejects with {@link abortError}.
 */
export function settle<T>(
  actor: SnapshotSource,
  check: (snap: WorkerSnapshot) => Outcome<T>,
  what: string,
  signal?: AbortSignal,
  onAbort?: () => void,
): Promise<T> {
  const first = check(actor.getSnapshot());
  if (first) return 'ok' in first ? Promise.resolve(first.ok) : Promise.reject(first.err);
  if (signal?.aborted) {
    onAbort?.();
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    let sub: { unsubscribe(): void } | undefined;
    let settled = false;
    const finish = (outcome: NonNullable<Outcome<T>>) => {
      if (settled) return;
      settled = true;
      sub?.unsubscribe();
      signal?.removeEventListener('abort', aborted);
      if ('ok' in outcome) resolve(outcome.ok);
      else reject(outcome.err);
    };
    const aborted = () => {
      // Stop watching first: what onAbort does to the actor is not this call's outcome.
      const err = abortError(signal!, what);
      finish({ err });
      onAbort?.();
    };
    signal?.addEventListener('abort', aborted, { once: true });
    sub = actor.subscribe({
      next: (snap) => {
        const outcome = check(snap);
        if (outcome) finish(outcome);
      },
      error: (err) => finish({ err: new AgentError('INTERNAL', `${what}: worker crashed: ${String(err)}`, { cause: err }) }),
      // The actor ended without a deciding snapshot: it was stopped (agent shutdown).
      complete: () => finish(check(actor.getSnapshot()) ?? { err: new AgentError('UNAVAILABLE', `${what}: the agent is shutting down`) }),
    });
    if (settled) sub.unsubscribe();
    // The actor may have moved between the first check and subscribing (it never does
    // synchronously, but be exact).
    const now = check(actor.getSnapshot());
    if (now) finish(now);
  });
}
