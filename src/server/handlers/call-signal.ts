/**
 * Turns a gRPC call's deadline and cancellation into what handlers pass down to the
 * supervisor and the invoke proxy: an AbortSignal, made only when a handler reads it, or plain
 * abort callbacks, which cost less per call (the InvokeWorker path uses those). The abort
 * reason is an AgentError: DEADLINE_EXCEEDED when the client's deadline passed, CANCELLED when
 * the client went away first.
 */
import type { Deadline } from '@grpc/grpc-js';
import { AgentError } from '../../errors.js';

/** The parts of a grpc-js server call this module reads. */
export interface CancellableCall {
  getDeadline(): Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

export interface CallSignal {
  /** Aborts (with the AgentError reason) on deadline or cancellation; made on first read. */
  readonly signal: AbortSignal;
  /** Whether the call was cancelled or its deadline passed. */
  readonly aborted: boolean;
  /** The AgentError the call aborted with; undefined while it has not. */
  readonly reason: AgentError | undefined;
  /** Calls `fn` with the reason when the call aborts (at once if it has); returns its remover. */
  onAbort(fn: (reason: AgentError) => void): () => void;
  /** Stops watching the call (clears the deadline timer); call it once the handler is done. */
  dispose(): void;
}

/** Largest delay setTimeout accepts; a later deadline is treated as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds since the epoch of a grpc-js deadline; Infinity when there is none. */
export function deadlineMs(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

const expired = (): AgentError => new AgentError('DEADLINE_EXCEEDED', 'deadline exceeded');

class CallWatch implements CallSignal {
  #reason: AgentError | undefined = undefined;
  #controller: AbortController | undefined;
  #listeners: Array<(reason: AgentError) => void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;
  readonly #call: CancellableCall;
  readonly #deadline: number;
  readonly #onCancelled = (): void => {
    this.#abort(Date.now() >= this.#deadline ? expired() : new AgentError('CANCELLED', 'call cancelled by the client'));
  };

  constructor(call: CancellableCall) {
    this.#call = call;
    this.#deadline = deadlineMs(call.getDeadline());
    call.on('cancelled', this.#onCancelled);
    if (Number.isFinite(this.#deadline)) {
      const delay = Math.max(0, this.#deadline - Date.now());
      if (delay <= MAX_TIMER_MS) {
        this.#timer = setTimeout(() => this.#abort(expired()), delay);
        this.#timer.unref();
      }
    }
  }

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  get reason(): AgentError | undefined {
    return this.#reason;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  onAbort(fn: (reason: AgentError) => void): () => void {
    if (this.#reason !== undefined) {
      fn(this.#reason);
      return () => undefined;
    }
    (this.#listeners ??= []).push(fn);
    return () => {
      const i = this.#listeners?.indexOf(fn) ?? -1;
      if (i !== -1) this.#listeners!.splice(i, 1);
    };
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#call.removeListener('cancelled', this.#onCancelled);
  }

  #abort(reason: AgentError): void {
    if (this.#disposed || this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    for (const fn of listeners ?? []) fn(reason);
  }
}

/**
 * Watches `call` and aborts when its deadline passes or it is cancelled. Has no effect after
 * `dispose()`. Reads the wall clock (`Date.now`).
 */
export function callSignal(call: CancellableCall): CallSignal {
  return new CallWatch(call);
}
