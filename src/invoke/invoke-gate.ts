/**
 * One invocation at a time per worker (RIE classic mode serves one and answers a second with
 * 400 AlreadyReserved). Callers queue in FIFO order; a waiter leaves the queue when its signal
 * aborts (its deadline or the caller's cancel), so waiting is bounded by the call's deadline.
 */

/** Releases the gate; calling it more than once is harmless. */
export type GateRelease = () => void;

interface Waiter {
  grant: (release: GateRelease) => void;
}

export class InvokeGate {
  #busy = false;
  readonly #waiters: Waiter[] = [];
  readonly #onQueueChange: ((waiting: number) => void) | undefined;

  /** @param onQueueChange called with the number of waiting callers whenever it changes. */
  constructor(onQueueChange?: (waiting: number) => void) {
    this.#onQueueChange = onQueueChange;
  }

  /** Callers waiting for the gate (not counting the one holding it). */
  get queueLength(): number {
    return this.#waiters.length;
  }

  /** Whether an invocation holds the gate. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Whether nobody holds or waits for the gate. */
  get idle(): boolean {
    return !this.#busy && this.#waiters.length === 0;
  }

  /**
   * Resolves with a release function once the caller holds the gate.
   * Rejects with `signal.reason` when the signal aborts first (the caller leaves the queue).
   */
  acquire(signal?: AbortSignal): Promise<GateRelease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<GateRelease>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
        this.#notify();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#notify();
    });
  }

  #releaser(): GateRelease {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next === undefined) {
        this.#busy = false;
        return;
      }
      this.#notify();
      next.grant(this.#releaser());
    };
  }

  #notify(): void {
    this.#onQueueChange?.(this.#waiters.length);
  }
}
