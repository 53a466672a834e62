/**
 * One invocation's time budget and cancellation: it aborts when the invoke timeout passes
 * (`timeout_ms`, default 30 s) or when the caller aborts (gRPC cancel or deadline, given as an
 * AbortSignal or as callbacks), and remembers the phase the call is in so a timeout says what
 * it was waiting for.
 * The AbortSignal is made only when a slow path asks for one (waiting in a queue, for
 * readiness, between retries); the fast path uses plain callbacks.
 */
import { AgentError, toAgentError } from '../errors.js';
import { abortCode } from './errors.js';
import type { CallerAbort } from './invoke-api.js';

const TIMER = Symbol('invoke timeout');

export class CallScope {
  /** What the call is doing now, for error messages ("waiting for …"). */
  phase = 'starting';
  #reason: unknown = undefined;
  #aborted = false;
  #ctl: AbortController | undefined;
  #listeners: Array<(reason: Error) => void> = [];
  readonly #timer: NodeJS.Timeout;
  #offCaller: (() => void) | undefined;
  readonly #deadline: number;

  /**
   * @param timeoutMs the invoke timeout, > 0.
   * @param caller the RPC's cancellation (cancel or deadline), if any.
   */
  constructor(readonly timeoutMs: number, caller?: AbortSignal | CallerAbort) {
    this.#deadline = performance.now() + timeoutMs;
    this.#timer = setTimeout(() => this.#abort(TIMER), timeoutMs);
    if (caller === undefined) return;
    if (caller.aborted) this.#abort(caller.reason);
    else if ('onAbort' in caller) this.#offCaller = caller.onAbort((reason) => this.#abort(reason));
    else {
      const onAbort = (): void => this.#abort(caller.reason);
      caller.addEventListener('abort', onAbort, { once: true });
      this.#offCaller = () => caller.removeEventListener('abort', onAbort);
    }
  }

  /** An AbortSignal that aborts with the scope (made on first use). */
  get signal(): AbortSignal {
    if (this.#ctl === undefined) {
      this.#ctl = new AbortController();
      if (this.#aborted) this.#ctl.abort(this.#reason);
    }
    return this.#ctl.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Milliseconds left before the invoke timeout (≥ 0). */
  remainingMs(): number {
    return Math.max(0, this.#deadline - performance.now());
  }

  /**
   * Calls `fn` with the scope's error once it aborts (at once if it already has).
   * Returns a function that removes the callback.
   */
  onAbort(fn: (reason: Error) => void): () => void {
    if (this.#aborted) {
      fn(this.translate(undefined));
      return () => undefined;
    }
    this.#listeners.push(fn);
    return () => {
      const i = this.#listeners.indexOf(fn);
      if (i !== -1) this.#listeners.splice(i, 1);
    };
  }

  #abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#ctl?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const fn of listeners) fn(this.translate(undefined));
  }

  /**
   * The AgentError to report for `err`: when the call was aborted, DEADLINE_EXCEEDED
   * ("invoke timeout: …") or CANCELLED, whatever `err` is; otherwise `err` itself when it is an
   * AgentError, else INTERNAL.
   */
  translate(err: unknown): AgentError {
    if (this.#aborted) {
      const opts = err === undefined ? { step: 'invoke' } : { cause: err, step: 'invoke' };
      if (this.#reason === TIMER) {
        return new AgentError('DEADLINE_EXCEEDED', `invoke timeout: ${this.phase} (timeout ${this.timeoutMs} ms)`, opts);
      }
      const code = abortCode(this.#reason);
      const message = code === 'DEADLINE_EXCEEDED'
        ? `invoke timeout: call deadline passed while ${this.phase}`
        : `invoke cancelled by the caller while ${this.phase}`;
      return new AgentError(code, message, opts);
    }
    return err instanceof AgentError ? err : toAgentError(err, 'invoke failed', 'invoke');
  }

  /** Clears the timer and the caller listener. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#offCaller?.();
    this.#offCaller = undefined;
    this.#listeners = [];
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
