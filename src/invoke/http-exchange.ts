/**
 * One HTTP exchange with a worker through undici's `dispatch` (no response stream, no
 * AbortSignal per request: both cost more than the rest of the proxy). The body is collected
 * chunk by chunk with the size cap enforced as it arrives: past the cap the request is aborted
 * at once (its connection is dropped) and the exchange fails with RESOURCE_EXHAUSTED.
 */
import type { Client, Dispatcher } from 'undici';
import { AgentError } from '../errors.js';
import { flattenResponseHeaders } from './headers.js';
import type { InvokeResponse } from './invoke-api.js';

/** The error for a body over the cap (the Go agent's message). Pure. */
export function tooLarge(limit: number): AgentError {
  return new AgentError('RESOURCE_EXHAUSTED', `response body too large (limit ${limit} bytes)`, { step: 'invoke' });
}

export interface Exchange {
  path: string;
  headers: Record<string, string>;
  payload: Buffer;
  maxResponseBytes: number;
  /** Undici's header/body timers, only a safety net behind the caller's own timer. */
  timeoutMs: number;
}

/** Handle to abort an exchange in flight (or before it reaches the socket). */
export interface ExchangeControl {
  abort(reason: Error): void;
  /** Whether undici started writing the request (before that, nothing reached the worker). */
  readonly sent: boolean;
}

class ExchangeHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  sent = false;
  #abortReason: Error | undefined;
  #settled = false;
  #status = 0;
  #headers: Record<string, string> = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(
    private readonly limit: number,
    private readonly resolve: (r: InvokeResponse) => void,
    private readonly reject: (e: unknown) => void,
  ) {}

  abort(reason: Error): void {
    this.#abortReason ??= reason;
    this.#fail(reason);
    this.#controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.sent = this.#abortReason === undefined;
    // Aborted while queued or connecting: stop before any byte is written.
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx: the real answer follows
    this.#status = statusCode;
    const declared = headers['content-length'];
    if (typeof declared === 'string' && Number(declared) > this.limit) {
      controller.abort(tooLarge(this.limit));
      return;
    }
    this.#headers = flattenResponseHeaders(headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.limit) {
      controller.abort(tooLarge(this.limit));
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    const body = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#size);
    this.resolve({ statusCode: this.#status, headers: this.#headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.#fail(err);
  }

  #fail(err: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#chunks = [];
    this.reject(err);
  }
}

/**
 * Starts a POST to the worker on `client`. `promise` resolves with the answer (any HTTP status)
 * and rejects with the transport error, `tooLarge(limit)`, or the reason given to `abort`
 * (at once, even while the connection is still being opened).
 */
export function startExchange(client: Client, ex: Exchange): { promise: Promise<InvokeResponse>; control: ExchangeControl } {
  let handler!: ExchangeHandler;
  const promise = new Promise<InvokeResponse>((resolve, reject) => {
    handler = new ExchangeHandler(ex.maxResponseBytes, resolve, reject);
  });
  try {
    client.dispatch({
      path: ex.path, method: 'POST', headers: ex.headers, body: ex.payload,
      headersTimeout: ex.timeoutMs, bodyTimeout: ex.timeoutMs,
    }, handler);
  } catch (err) {
    handler.onResponseError(undefined, err as Error);
  }
  return { promise, control: handler };
}
