/**
 * One invocation's time budget and cancellation: a signal that aborts when the invoke timeout
 * passes (`timeout_ms`, default 30 s) or when the caller's signal aborts (gRPC cancel or
 * deadline), plus the phase the call is in, so a timeout says what it was waiting for.
 */
import { AgentError, toAgentError } from '../errors.js';
import { abortCode } from './errors.js';

const TIMER = Symbol('invoke timeout');

export class CallScope {
  /** What the call is doing now, for error messages ("waiting for …"). */
  phase = 'starting';
  readonly #ctl = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort = (): void => this.#ctl.abort(this.#caller?.reason);
  readonly #deadline: number;

  /**
   * @param timeoutMs the invoke timeout, > 0.
   * @param caller the RPC's signal (cancel or deadline), if any.
   */
  constructor(readonly timeoutMs: number, caller?: AbortSignal) {
    this.#deadline = performance.now() + timeoutMs;
    this.#timer = setTimeout(() => this.#ctl.abort(TIMER), timeoutMs);
    this.#caller = caller;
    if (caller?.aborted) this.#ctl.abort(caller.reason);
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** Aborts on timeout or caller abort. */
  get signal(): AbortSignal {
    return this.#ctl.signal;
  }

  get aborted(): boolean {
    return this.#ctl.signal.aborted;
  }

  /** Milliseconds left before the invoke timeout (≥ 0). */
  remainingMs(): number {
    return Math.max(0, this.#deadline - performance.now());
  }

  /**
   * The AgentError to report for `err`: when the call was aborted, DEADLINE_EXCEEDED
   * ("invoke timeout: …") or CANCELLED, whatever `err` is; otherwise `err` itself when it is an
   * AgentError, else INTERNAL. Pure apart from reading the abort state.
   */
  translate(err: unknown): AgentError {
    if (this.aborted) {
      const reason: unknown = this.#ctl.signal.reason;
      if (reason === TIMER) {
        return new AgentError('DEADLINE_EXCEEDED', `invoke timeout: ${this.phase} (timeout ${this.timeoutMs} ms)`, {
          cause: err, step: 'invoke',
        });
      }
      const code = abortCode(reason);
      const message = code === 'DEADLINE_EXCEEDED'
        ? `invoke timeout: call deadline passed while ${this.phase}`
        : `invoke cancelled by the caller while ${this.phase}`;
      return new AgentError(code, message, { cause: err, step: 'invoke' });
    }
    return err instanceof AgentError ? err : toAgentError(err, 'invoke failed', 'invoke');
  }

  /** Clears the timer and the caller listener. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
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
