/**
 * One invocation at a time per worker (RIE classic mode serves one and answers a second with
 * 400 AlreadyReserved). Callers queue in FIFO order; a waiter leaves the queue when its call
 * aborts (its deadline or the caller's cancel), so waiting is bounded by the call's deadline.
 */

/** Releases the gate; calling it more than once is harmless. */
export type GateRelease = () => void;

/** Something that can abort a wait: registers a callback, returns its remover. */
export interface Abortable {
  onAbort(fn: (reason: Error) => void): () => void;
}

/** Adapts an AbortSignal to {@link Abortable}. */
export function abortableFromSignal(signal: AbortSignal): Abortable {
  return {
    onAbort(fn) {
      const listener = (): void => fn(signal.reason as Error);
      if (signal.aborted) {
        listener();
        return () => undefined;
      }
      signal.addEventListener('abort', listener, { once: true });
      return () => signal.removeEventListener('abort', listener);
    },
  };
}

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

  /** Takes the gate if it is free (the fast path); undefined when it is not. */
  tryAcquire(): GateRelease | undefined {
    if (this.#busy) return undefined;
    this.#busy = true;
    return this.#releaser();
  }

  /**
   * Resolves with a release function once the caller holds the gate. Rejects with the abort
   * reason when `abortable` aborts first (the caller leaves the queue).
   */
  acquire(abortable?: Abortable): Promise<GateRelease> {
    const now = this.tryAcquire();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<GateRelease>((resolve, reject) => {
      let queued = true;
      const waiter: Waiter = {
        grant: (release) => {
          queued = false;
          off();
          resolve(release);
        },
      };
      this.#waiters.push(waiter);
      const off = abortable?.onAbort((reason) => {
        if (!queued) return;
        queued = false;
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
        this.#notify();
        reject(reason);
      }) ?? (() => undefined);
      if (queued) this.#notify();
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
