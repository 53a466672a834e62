/**
 * The invoke proxy's behaviour against the REAL echo worker, shared by the containerd and the
 * docker integration test files. The worker is a real container; its handle is a FakeWorker
 * pointing at the container's IP (the agent's supervisor and adapters are not involved).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/errors.js';
import { createInvoker, type ProxyInvoker } from '../../../src/invoke/invoker.js';
import type { InvokeRequest } from '../../../src/invoke/invoke-api.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../../src/invoke/message-limits.js';
import { createIsolation, type TestIsolation, waitFor } from '../../helpers/index.js';
import { FakeSupervisor, FakeWorker } from './fake-supervisor.js';
import type { RealWorker } from './real-worker.js';

const OWNER = 'gateway-it';

async function rejection(p: Promise<unknown>): Promise<AgentError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AgentError);
  return err as AgentError;
}

/**
 * Defines the suite for one runtime; `start` brings the echo worker up in the isolation.
 * `skip` when the runtime is missing (requireRuntimes has said why).
 */
export function defineRealWorkerSuite(label: string, slug: string, skip: boolean, start: (iso: TestIsolation) => Promise<RealWorker>): void {
  describe.skipIf(skip)(`invoker against the real echo worker on ${label}`, () => {
    let iso: TestIsolation;
    let real: RealWorker;
    let handle: FakeWorker;
    let invoker: ProxyInvoker;

    const req = (event: unknown, over: Partial<InvokeRequest> = {}): InvokeRequest => ({
      containerId: real.name, ownerId: OWNER, path: '', payload: Buffer.from(JSON.stringify(event)),
      headers: { 'Content-Type': 'application/json' }, timeoutMs: 30_000, ...over,
    });
    const idle = (): Promise<unknown> => waitFor(async () => (await real.stats()).inFlight === 0, { what: 'worker idle' });

    beforeAll(async () => {
      iso = await createIsolation(slug);
      real = await start(iso);
      const sup = new FakeSupervisor();
      handle = sup.add(new FakeWorker(real.name, OWNER, real.ip, 8080));
      invoker = createInvoker({ supervisor: sup });
    });
    afterAll(async () => {
      await invoker?.close();
      await real?.remove();
      try {
        await iso?.assertNothingLeft();
      } finally {
        await iso?.cleanup();
      }
    });

    it('round-trips an echo with headers, status and last_used_at', async () => {
      const out = await invoker.invoke(req({ hello: label }, {
        headers: { 'Content-Type': 'application/json', 'x-test': 'v', 'X-Amzn-Trace-Id': 'Root=1-abc', Connection: 'close' },
      }), {});
      expect(out.statusCode).toBe(200);
      expect(out.headers['Content-Type']).toBe('application/json');
      const body = JSON.parse(out.body.toString()) as { echo: unknown; headers: Record<string, string> };
      expect(body.echo).toEqual({ hello: label });
      expect(body.headers['x-test']).toBe('v');
      expect(body.headers['x-amzn-trace-id']).toBe('Root=1-abc');
      expect(body.headers['connection']).not.toBe('close');
      expect(handle.touches).toBeGreaterThan(0);
    });

    it('returns a function error and a worker 404 as data', async () => {
      const failed = await invoker.invoke(req({ fail: 'boom' }), {});
      expect(failed.statusCode).toBe(200);
      expect(failed.headers['X-Amz-Function-Error']).toBe('Unhandled');
      expect(JSON.parse(failed.body.toString())).toMatchObject({ errorType: 'Error', errorMessage: 'boom' });
      const missing = await invoker.invoke(req({}, { path: '/no/such/route?x=1' }), {});
      expect(missing.statusCode).toBe(404);
    });

    it('goes to DEADLINE_EXCEEDED after timeout_ms, not when the worker finishes', async () => {
      const t0 = performance.now();
      const err = await rejection(invoker.invoke(req({ sleepMs: 20_000 }, { timeoutMs: 1000 }), {}));
      const elapsed = performance.now() - t0;
      expect(err.code).toBe('DEADLINE_EXCEEDED');
      expect(err.message).toMatch(/^invoke timeout: /);
      expect(elapsed).toBeGreaterThanOrEqual(999);
      expect(elapsed).toBeLessThan(20_000);
      await idle();
    });

    it('goes to CANCELLED on a client cancel, and the worker saw one request', async () => {
      const before = await real.stats();
      const ctl = new AbortController();
      const p = invoker.invoke(req({ sleepMs: 20_000 }), { signal: ctl.signal });
      await waitFor(async () => (await real.stats()).received === before.received + 1, { what: 'request at the worker' });
      ctl.abort();
      expect((await rejection(p)).code).toBe('CANCELLED');
      await idle();
      expect((await real.stats()).received).toBe(before.received + 1);
    });

    it('invokes a worker that resets after reading the body exactly once → UNAVAILABLE', async () => {
      const before = await real.stats();
      const err = await rejection(invoker.invoke(req({ resetAfterBody: true }), {}));
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.message).toContain('outcome is unknown');
      await idle();
      expect((await real.stats()).received).toBe(before.received + 1);
    });

    it('accepts a response of exactly the cap and refuses one byte more', async () => {
      const ok = await invoker.invoke(req({ responseBytes: DEFAULT_MAX_RESPONSE_BYTES }), {});
      expect(ok.body.length).toBe(DEFAULT_MAX_RESPONSE_BYTES);
      const err = await rejection(invoker.invoke(req({ responseBytes: DEFAULT_MAX_RESPONSE_BYTES + 1 }), {}));
      expect(err).toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: `response body too large (limit ${DEFAULT_MAX_RESPONSE_BYTES} bytes)` });
      await idle();
    });

    it('answers 50 concurrent invokes, one at a time at the worker', async () => {
      const before = await real.stats();
      const outs = await Promise.all(Array.from({ length: 50 }, (_, i) => invoker.invoke(req({ i }), {})));
      expect(outs.every((o) => o.statusCode === 200)).toBe(true);
      expect(outs.map((o) => (JSON.parse(o.body.toString()) as { echo: { i: number } }).echo.i).sort((a, b) => a - b))
        .toEqual(Array.from({ length: 50 }, (_, i) => i));
      const after = await real.stats();
      expect(after.received - before.received).toBe(50);
      expect(after.rejected - before.rejected).toBe(0);
    });

    it('returns UNAVAILABLE (outcome unknown) when the worker crashes during the invocation, then NOT_FOUND', async () => {
      const err = await rejection(invoker.invoke(req({ crash: true, exitCode: 3 }), {}));
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.message).toContain('outcome is unknown');
      handle.set('stopped', { exitCode: 3 });
      const stopped = await rejection(invoker.invoke(req({}), {}));
      expect(stopped).toMatchObject({ code: 'NOT_FOUND' });
      expect(stopped.message).toContain('exit code 3');
    });

    it('gives NOT_FOUND at once for the worker once it is destroyed', async () => {
      await real.remove();
      handle.set('destroyed');
      const err = await rejection(invoker.invoke(req({}), {}));
      expect(err.code).toBe('NOT_FOUND');
    });
  });
}
