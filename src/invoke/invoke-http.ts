/**
 * The HTTP leg of an invocation: POST to the worker over its keep-alive client, retrying only
 * a refused connection or a client we closed ourselves before the request was written (nothing
 * was sent) with backoff inside the call's budget; any other
 * failure may have run the function and is returned at once (UNAVAILABLE, outcome unknown).
 */
import type { Client } from 'undici';
import { AgentError } from '../errors.js';
import type { CallScope } from './call-scope.js';
import { sleep } from './call-scope.js';
import { classifyTransportError, describeTransportError, transportError } from './errors.js';
import { type ExchangeControl, startExchange } from './http-exchange.js';
import type { InvokeResponse } from './invoke-api.js';

export interface HttpLeg {
  /** Worker name, for messages. */
  worker: string;
  path: string;
  headers: Record<string, string>;
  payload: Buffer;
  maxResponseBytes: number;
  /** Delays between attempts after a refused connection; the last one repeats. */
  backoffMs: readonly number[];
  /** The worker's client; called before each attempt (may wait or throw if the worker changed). */
  client: (attempt: number) => Client | Promise<Client>;
}

export interface HttpOutcome {
  response: InvokeResponse;
  attempts: number;
}

/** Undici's own timers are only a safety net: the scope's timer (and its message) governs. */
const SAFETY_MARGIN_MS = 1000;

/**
 * Sends one invocation.
 * @throws AgentError UNAVAILABLE (outcome unknown or worker unreachable), RESOURCE_EXHAUSTED
 *   (body over the cap), INTERNAL (request could not be built), or whatever `leg.client()`
 *   throws; on abort, the scope's error (DEADLINE_EXCEEDED / CANCELLED).
 */
export async function sendInvocation(leg: HttpLeg, scope: CallScope): Promise<HttpOutcome> {
  let retrying = '';
  for (let attempt = 1; ; attempt++) {
    const client = await leg.client(attempt);
    scope.phase = `waiting for worker ${leg.worker} to answer${retrying}`;
    const { promise, control } = attemptOnce(client, leg, scope);
    try {
      return { response: await promise, attempts: attempt };
    } catch (err) {
      if (scope.aborted || err instanceof AgentError) throw err;
      if ((err as { code?: unknown }).code === 'UND_ERR_INVALID_ARG') {
        throw new AgentError('INTERNAL', `failed to build request: ${describeTransportError(err)}`, { cause: err, step: 'invoke' });
      }
      if (classifyTransportError(err, control.sent) !== 'retryable') throw transportError(err, leg.worker, control.sent);
      const delay = leg.backoffMs[Math.min(attempt - 1, leg.backoffMs.length - 1)] ?? 100;
      retrying = ` (retrying after ${describeTransportError(err)}, ${attempt} attempts)`;
      scope.phase = `connecting to worker ${leg.worker}${retrying}`;
      await sleep(delay, scope.signal);
    }
  }
}

function attemptOnce(client: Client, leg: HttpLeg, scope: CallScope): { promise: Promise<InvokeResponse>; control: ExchangeControl } {
  const { promise, control } = startExchange(client, {
    path: leg.path, headers: leg.headers, payload: leg.payload, maxResponseBytes: leg.maxResponseBytes,
    timeoutMs: Math.ceil(scope.remainingMs()) + SAFETY_MARGIN_MS,
  });
  const off = scope.onAbort((reason) => control.abort(reason));
  return { promise: promise.finally(off), control };
}
