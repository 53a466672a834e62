/**
 * Operations of the simulated runtime that are waiting: on latency or on a scripted hang.
 * Tests wait for an operation to be in flight (`waitFor`) and let hung ones go (`release`).
 */
import { matchesTarget, type FaultMatch, type FaultTarget } from './fault-plan.js';

interface Hung {
  target: FaultTarget;
  release: () => void;
}

interface Waiter {
  op: FaultTarget['op'];
  match: FaultMatch | undefined;
  resolve: () => void;
}

export class HangRegistry {
  readonly #inFlight = new Set<FaultTarget>();
  readonly #hung = new Set<Hung>();
  #waiters: Waiter[] = [];

  /** Targets currently waiting on latency or a hang. */
  inFlight(): FaultTarget[] {
    return [...this.#inFlight];
  }

  /** Tracks `target` as in flight while `promise` is pending. */
  async track<T>(target: FaultTarget, promise: Promise<T>): Promise<T> {
    this.#inFlight.add(target);
    try {
      return await promise;
    } finally {
      this.#inFlight.delete(target);
    }
  }

  /**
   * Resolves when released, rejects with `cancelled()` when `signal` aborts; without a signal
   * and without a release it never settles.
   */
  hang(target: FaultTarget, signal: AbortSignal | undefined, cancelled: () => Error): Promise<void> {
    return this.track(
      target,
      new Promise<void>((resolve, reject) => {
        const entry: Hung = { target, release: () => done(resolve) };
        const onAbort = () => done(() => reject(cancelled()));
        const done = (settle: () => void) => {
          this.#hung.delete(entry);
          signal?.removeEventListener('abort', onAbort);
          settle();
        };
        if (signal?.aborted) return reject(cancelled());
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#hung.add(entry);
        this.#notify(target);
      }),
    );
  }

  /** Lets hung operations continue (all, or those of `op` matching `match`); returns how many. */
  release(op?: FaultTarget['op'], match?: FaultMatch): number {
    let n = 0;
    for (const h of [...this.#hung]) {
      if ((op === undefined || h.target.op === op) && matchesTarget(match, h.target)) {
        h.release();
        n++;
      }
    }
    return n;
  }

  /** Resolves once an operation `op` matching `match` is hung (at once if one already is). */
  waitFor(op: FaultTarget['op'], match?: FaultMatch): Promise<void> {
    for (const h of this.#hung) if (h.target.op === op && matchesTarget(match, h.target)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ op, match, resolve }));
  }

  #notify(target: FaultTarget): void {
    if (this.#waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.op === target.op && matchesTarget(w.match, target)) w.resolve();
      else keep.push(w);
    }
    this.#waiters = keep;
  }
}
