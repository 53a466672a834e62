/**
 * The readiness wait the composition root gives the worker machine (`AGENT_READINESS_WAIT`):
 * poll a TCP connect to the worker's ip:port until it is accepted, bounded by a timeout.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentError } from '../errors.js';

/** Where to connect; the worker machine's `ReadyInput` satisfies it. */
export interface TcpTarget {
  name: string;
  ipAddress: string;
  port: number;
}

/**
 * Resolves once `target` accepts a TCP connection. Retries every 5 ms for the first second, then
 * every 50 ms (a refused connect to a bridge address costs microseconds; a growing backoff would
 * add up to its last step to every cold start). Honours `signal` (rejects with its abort reason).
 * @throws AgentError UNAVAILABLE (step `waitReady`) when nothing accepts within `timeoutMs`.
 */
export async function waitForTcp(target: TcpTarget, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const delay = Date.now() - started < 1_000 ? 5 : 50;
    if (await tcpAccepts(target.ipAddress, target.port, signal)) return;
    signal.throwIfAborted();
    if (Date.now() + delay > deadline) {
      throw new AgentError('UNAVAILABLE',
        `worker ${target.name} did not accept connections on ${target.ipAddress}:${target.port} within ${timeoutMs} ms`,
        { step: 'waitReady' });
    }
    await sleep(delay, undefined, { signal });
  }
}

/**
 * One connect attempt (1 s timeout): true when accepted, false when refused, timed out or
 * aborted. Never rejects. (The abort listener is ours and removed after each attempt:
 * `net.connect({ signal })` leaves one listener per attempt on the signal.)
 */
export function tcpAccepts(host: string, port: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const socket = connect({ host, port, timeout: 1_000 });
    const onAbort = (): void => done(false);
    const done = (ok: boolean): void => {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
