/**
 * The HTTP leg of an invocation: POST to the worker over its keep-alive client, retrying only
 * a refused connection (nothing was sent) with backoff inside the call's budget; any other
 * failure may have run the function and is returned at once (UNAVAILABLE, outcome unknown).
 */
import type { Client } from 'undici';
import { AgentError } from '../errors.js';
import type { CallScope } from './call-scope.js';
import { sleep } from './call-scope.js';
import { classifyTransportError, describeTransportError, transportError } from './errors.js';
import { flattenResponseHeaders } from './headers.js';
import type { InvokeResponse } from './invoke-api.js';
import { readCappedBody } from './read-body.js';

export interface HttpLeg {
  /** Worker name, for messages. */
  worker: string;
  path: string;
  headers: Record<string, string>;
  payload: Buffer;
  maxResponseBytes: number;
  /** Delays between attempts after a refused connection; the last one repeats. */
  backoffMs: readonly number[];
  /** The worker's client; called before each attempt (the worker may have moved). */
  client: () => Promise<Client>;
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
 *   throws; on abort, the scope's abort reason (the caller translates it).
 */
export async function sendInvocation(leg: HttpLeg, scope: CallScope): Promise<HttpOutcome> {
  for (let attempt = 1; ; attempt++) {
    const client = await leg.client();
    scope.phase = `waiting for worker ${leg.worker} to answer`;
    try {
      return { response: await attemptOnce(client, leg, scope), attempts: attempt };
    } catch (err) {
      if (scope.aborted || err instanceof AgentError) throw err;
      if ((err as { code?: unknown }).code === 'UND_ERR_INVALID_ARG') {
        throw new AgentError('INTERNAL', `failed to build request: ${describeTransportError(err)}`, { cause: err, step: 'invoke' });
      }
      if (classifyTransportError(err) !== 'refused') throw transportError(err, leg.worker);
      const delay = leg.backoffMs[Math.min(attempt - 1, leg.backoffMs.length - 1)] ?? 100;
      scope.phase = `connecting to worker ${leg.worker}: ${describeTransportError(err)} (${attempt} attempts)`;
      await sleep(delay, scope.signal);
    }
  }
}

async function attemptOnce(client: Client, leg: HttpLeg, scope: CallScope): Promise<InvokeResponse> {
  const limit = Math.ceil(scope.remainingMs()) + SAFETY_MARGIN_MS;
  const res = await client.request({
    path: leg.path,
    method: 'POST',
    headers: leg.headers,
    body: leg.payload,
    signal: scope.signal,
    headersTimeout: limit,
    bodyTimeout: limit,
  });
  scope.phase = `reading the response of worker ${leg.worker}`;
  const body = await readCappedBody(res.body, leg.maxResponseBytes, res.headers['content-length']);
  return { statusCode: res.statusCode, headers: flattenResponseHeaders(res.headers), body };
}
