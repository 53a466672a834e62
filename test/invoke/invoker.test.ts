import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import type { InvokeEvent } from '../../src/invoke/invoke-hooks.js';
import { createInvoker, type InvokerOptions, type ProxyInvoker } from '../../src/invoke/invoker.js';
import { FakeSupervisor, FakeWorker } from './helpers/fake-supervisor.js';
import { freePort, type LocalWorker, startLocalWorker, until } from './helpers/local-worker.js';

const OWNER = 'owner-a';
let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface Bed {
  sup: FakeSupervisor;
  worker: FakeWorker;
  invoker: ProxyInvoker;
  events: InvokeEvent[];
  queue: number[];
}

function bed(port: number, state = 'running', options: InvokerOptions = {}): Bed {
  const sup = new FakeSupervisor();
  const worker = sup.add(new FakeWorker('esb-test-fn-0001', OWNER, '127.0.0.1', port, state));
  const events: InvokeEvent[] = [];
  const queue: number[] = [];
  const invoker = createInvoker({
    supervisor: sup,
    options: { retryBackoffMs: [10, 20, 40], ...options },
    hooks: { invoked: (e) => events.push(e), queueLength: (_w, n) => queue.push(n) },
  });
  cleanups.push(() => invoker.close());
  return { sup, worker, invoker, events, queue };
}

async function local(handler: Parameters<typeof startLocalWorker>[0], port?: number): Promise<LocalWorker> {
  const w = await startLocalWorker(handler, port);
  cleanups.push(() => w.close());
  return w;
}

function req(over: Partial<Parameters<ProxyInvoker['invoke']>[0]> = {}): Parameters<ProxyInvoker['invoke']>[0] {
  return { containerId: 'esb-test-fn-0001', ownerId: OWNER, path: '', payload: Buffer.from('{}'), headers: {}, timeoutMs: 10_000, ...over };
}

async function rejection(p: Promise<unknown>): Promise<AgentError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AgentError);
  return err as AgentError;
}

describe('invoker', () => {
  it('proxies a round trip with path, query, headers, status 202 and multi-value headers', async () => {
    const srv = await local((r, res, body) => {
      res.statusCode = 202;
      res.setHeader('x-echo-path', r.url ?? '');
      res.setHeader('x-echo-headers', JSON.stringify(r.headers));
      res.setHeader('x-multi', ['a', 'b']);
      res.setHeader('set-cookie', ['c=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'd=2']);
      res.end(body);
    });
    const { invoker, worker, events } = bed(srv.port);
    const out = await invoker.invoke(req({
      path: 'custom/route?x=1&y=%20',
      payload: Buffer.from('{"hello":"world"}'),
      headers: { 'content-type': 'application/json', 'x-test': 'v', Connection: 'x-drop', 'x-drop': '1', 'Proxy-Authorization': 'p', Host: 'evil' },
    }), {});
    expect(out.statusCode).toBe(202);
    expect(out.body.toString()).toBe('{"hello":"world"}');
    expect(out.headers['X-Echo-Path']).toBe('/custom/route?x=1&y=%20');
    expect(out.headers['X-Multi']).toBe('a, b');
    expect(out.headers['Set-Cookie']).toBe('c=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nd=2');
    expect(out.headers['Connection']).toBeUndefined();
    expect(out.headers['Keep-Alive']).toBeUndefined();
    const seen = JSON.parse(out.headers['X-Echo-Headers'] ?? '{}') as Record<string, string>;
    expect(seen['x-test']).toBe('v');
    expect(seen['content-type']).toBe('application/json');
    expect(seen['x-drop']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen['host']).toBe(`127.0.0.1:${srv.port}`);
    expect(seen['accept-encoding']).toBeUndefined();
    expect(worker.touches).toBe(1);
    expect(events[0]).toMatchObject({ outcome: 'ok', statusCode: 202, attempts: 1, requestBytes: 17, responseBytes: 17 });
  });

  it('sends non-ASCII header values as UTF-8 bytes and reads UTF-8 response values back', async () => {
    const srv = await local((r, res) => {
      const raw = r.rawHeaders[r.rawHeaders.findIndex((h) => h.toLowerCase() === 'x-name') + 1] ?? '';
      res.setHeader('x-seen-hex', Buffer.from(raw, 'latin1').toString('hex'));
      res.setHeader('x-reply', Buffer.from('日本 café', 'utf8').toString('latin1'));
      res.end();
    });
    const { invoker } = bed(srv.port);
    const out = await invoker.invoke(req({ headers: { 'x-name': '日本 café' } }), {});
    expect(out.headers['X-Seen-Hex']).toBe(Buffer.from('日本 café', 'utf8').toString('hex'));
    expect(out.headers['X-Reply']).toBe('日本 café');
  });

  it('uses the RIE route by default and reuses one keep-alive connection', async () => {
    const srv = await local((r, res) => res.end(r.url));
    const { invoker } = bed(srv.port);
    for (let i = 0; i < 3; i++) {
      const out = await invoker.invoke(req(), {});
      expect(out.body.toString()).toBe('/2015-03-31/functions/function/invocations');
    }
    expect(srv.connections).toBe(1);
  });

  it('returns worker errors (5xx, X-Amz-Function-Error) as data', async () => {
    const srv = await local((_r, res) => {
      res.writeHead(502, { 'X-Amz-Function-Error': 'Unhandled' });
      res.end('{"errorType":"Error"}');
    });
    const { invoker } = bed(srv.port);
    const out = await invoker.invoke(req(), {});
    expect(out.statusCode).toBe(502);
    expect(out.headers['X-Amz-Function-Error']).toBe('Unhandled');
  });

  it('goes to DEADLINE_EXCEEDED when the worker does not answer within timeout_ms', async () => {
    const srv = await local(() => undefined);
    const { invoker, events } = bed(srv.port);
    const err = await rejection(invoker.invoke(req({ timeoutMs: 200 }), {}));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.message).toMatch(/^invoke timeout: waiting for worker .* to answer \(timeout 200 ms\)$/);
    expect(events[0]?.outcome).toBe('DEADLINE_EXCEEDED');
    await until(() => srv.aborted === 1);
    expect(srv.received).toBe(1);
  });

  it('goes to CANCELLED when the caller cancels, aborting the one request the worker saw', async () => {
    const srv = await local(() => undefined);
    const { invoker } = bed(srv.port);
    const ctl = new AbortController();
    const p = invoker.invoke(req(), { signal: ctl.signal });
    await until(() => srv.received === 1);
    ctl.abort();
    const err = await rejection(p);
    expect(err.code).toBe('CANCELLED');
    await until(() => srv.aborted === 1);
    expect(srv.received).toBe(1);
  });

  it('maps a caller deadline (TimeoutError reason) to DEADLINE_EXCEEDED', async () => {
    const srv = await local(() => undefined);
    const { invoker } = bed(srv.port);
    const err = await rejection(invoker.invoke(req(), { signal: AbortSignal.timeout(100) }));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.message).toContain('call deadline passed');
  });

  it('invokes exactly once and returns UNAVAILABLE when the worker resets after reading the body', async () => {
    const srv = await local((r) => r.socket.destroy());
    const { invoker } = bed(srv.port);
    const err = await rejection(invoker.invoke(req(), {}));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('outcome is unknown');
    expect(srv.received).toBe(1);
  });

  it('retries a refused connection until the worker listens, within the deadline', async () => {
    const port = await freePort();
    const { invoker, worker, events } = bed(port);
    const p = invoker.invoke(req(), {});
    await until(() => worker.viewReads >= 4); // a few refused attempts happened
    const srv = await local((_r, res) => res.end('up'), port);
    const out = await p;
    expect(out.body.toString()).toBe('up');
    expect(srv.received).toBe(1);
    expect(events[0]?.attempts).toBeGreaterThan(1);
  });

  it('reports the refused connection in the timeout message when the worker never listens', async () => {
    const port = await freePort();
    const { invoker } = bed(port);
    const err = await rejection(invoker.invoke(req({ timeoutMs: 300 }), {}));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('stops retrying with NOT_FOUND when the worker is destroyed meanwhile', async () => {
    const port = await freePort();
    const { invoker, worker } = bed(port);
    const p = invoker.invoke(req({ timeoutMs: 60_000 }), {});
    await until(() => worker.viewReads >= 3);
    worker.set('destroying.stopping');
    const err = await rejection(p);
    expect(err.code).toBe('NOT_FOUND');
  });

  it('accepts a body of exactly the cap and refuses one byte more with RESOURCE_EXHAUSTED', async () => {
    const srv = await local((_r, res, body) => res.end(Buffer.alloc(Number(body.toString()), 97)));
    const { invoker } = bed(srv.port, 'running', { maxResponseBytes: 1000 });
    const ok = await invoker.invoke(req({ payload: Buffer.from('1000') }), {});
    expect(ok.body.length).toBe(1000);
    const err = await rejection(invoker.invoke(req({ payload: Buffer.from('1001') }), {}));
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    expect(err.message).toBe('response body too large (limit 1000 bytes)');
  });

  it('aborts a streamed body as soon as it passes the cap', async () => {
    const srv = await local((_r, res) => {
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const { invoker } = bed(srv.port, 'running', { maxResponseBytes: 256 * 1024 });
    const err = await rejection(invoker.invoke(req(), {}));
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    await until(() => srv.aborted === 1);
  });

  it('refuses a payload over the request cap with RESOURCE_EXHAUSTED', async () => {
    const { invoker } = bed(1, 'running', { maxRequestBytes: 10 });
    const err = await rejection(invoker.invoke(req({ payload: Buffer.alloc(11) }), {}));
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
  });

  it('answers 50 concurrent invokes one at a time at the worker', async () => {
    const srv = await local((_r, res, body) => setTimeout(() => res.end(body), 2));
    const { invoker, queue } = bed(srv.port);
    const outs = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      invoker.invoke(req({ payload: Buffer.from(String(i)), timeoutMs: 60_000 }), {})));
    expect(outs.map((o) => o.body.toString())).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(srv.received).toBe(50);
    expect(srv.maxInFlight).toBe(1);
    expect(Math.max(...queue)).toBeGreaterThan(1);
    expect(invoker.queueLength('esb-test-fn-0001')).toBe(0);
  });

  it('gives NOT_FOUND at once for an unknown, destroyed, stopped or failed worker', async () => {
    const { invoker, worker, sup } = bed(1);
    expect((await rejection(invoker.invoke(req({ containerId: 'nope' }), {}))).code).toBe('NOT_FOUND');
    for (const state of ['destroying.removing', 'stopped', 'failed', 'destroyed']) {
      worker.set(state, { exitCode: 137 });
      expect((await rejection(invoker.invoke(req({ timeoutMs: 60_000 }), {}))).code).toBe('NOT_FOUND');
    }
    expect(sup.workers.size).toBe(1);
    expect(worker.touches).toBe(0);
  });

  it('passes PERMISSION_DENIED from lookup through', async () => {
    const { invoker } = bed(1);
    expect((await rejection(invoker.invoke(req({ ownerId: 'other' }), {}))).code).toBe('PERMISSION_DENIED');
  });

  it('refuses a paused worker with FAILED_PRECONDITION when auto-resume is off', async () => {
    const { invoker, worker } = bed(1, 'paused');
    const err = await rejection(invoker.invoke(req(), {}));
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.message).toContain('ResumeContainer');
    expect(worker.commands).toEqual([]);
  });

  it('resumes a paused worker first when auto-resume is on', async () => {
    const srv = await local((_r, res) => res.end('ok'));
    const { invoker, worker } = bed(srv.port, 'paused', { autoResume: true });
    const out = await invoker.invoke(req(), {});
    expect(out.body.toString()).toBe('ok');
    expect(worker.commands).toEqual(['resume']);
    expect(worker.view_.state).toBe('running');
  });

  it('waits for a starting worker to become running', async () => {
    const srv = await local((_r, res) => res.end('ok'));
    const { invoker, worker } = bed(srv.port, 'creating');
    const p = invoker.invoke(req(), {});
    worker.set('starting');
    worker.set('readying');
    expect(srv.received).toBe(0);
    worker.set('running');
    expect((await p).body.toString()).toBe('ok');
  });

  it('goes to DEADLINE_EXCEEDED when the worker does not become ready in time', async () => {
    const { invoker } = bed(1, 'pulling');
    const err = await rejection(invoker.invoke(req({ timeoutMs: 100 }), {}));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.message).toContain('to become ready (state pulling)');
  });

  it('gives NOT_FOUND when a starting worker fails', async () => {
    const { invoker, worker } = bed(1, 'starting');
    const p = invoker.invoke(req(), {});
    worker.set('failed');
    expect((await rejection(p)).code).toBe('NOT_FOUND');
  });

  it('gives FAILED_PRECONDITION for a running worker without an IP', async () => {
    const { invoker, worker } = bed(1);
    worker.set('running', { ipAddress: '' });
    const err = await rejection(invoker.invoke(req(), {}));
    expect(err).toMatchObject({ code: 'FAILED_PRECONDITION', message: 'container ip_address is empty' });
  });

  it('closes the keep-alive connection when the worker leaves running, and reconnects after resume', async () => {
    const srv = await local((_r, res) => res.end('ok'));
    const { invoker, worker } = bed(srv.port);
    await invoker.invoke(req(), {});
    expect(srv.connections).toBe(1);
    worker.set('pausing');
    await until(() => srv.closedConnections === 1);
    worker.set('paused');
    worker.set('resuming');
    worker.set('running');
    await invoker.invoke(req(), {});
    expect(srv.connections).toBe(2);
    await invoker.closeWorker(worker.name);
    await until(() => srv.closedConnections === 2);
  });

  it('drops its subscription when the worker is gone', async () => {
    const srv = await local((_r, res) => res.end('ok'));
    const { invoker, worker } = bed(srv.port);
    await invoker.invoke(req(), {});
    expect(worker.subscribers).toBe(1);
    worker.set('destroying.stopping');
    expect(worker.subscribers).toBe(0);
  });

  it('goes to CANCELLED when the caller cancels while queued behind another invocation', async () => {
    let answer: (() => void) | undefined;
    const srv = await local((_r, res) => { answer = () => res.end('first'); });
    const { invoker, worker } = bed(srv.port);
    const first = invoker.invoke(req(), {});
    await until(() => srv.received === 1);
    const ctl = new AbortController();
    const second = invoker.invoke(req(), { signal: ctl.signal });
    await until(() => invoker.queueLength(worker.name) === 1);
    ctl.abort();
    expect((await rejection(second)).code).toBe('CANCELLED');
    expect(invoker.queueLength(worker.name)).toBe(0);
    answer?.();
    expect((await first).body.toString()).toBe('first');
    expect(srv.received).toBe(1);
  });

  it('goes to CANCELLED when the caller cancels while the connection is refused', async () => {
    const port = await freePort();
    const { invoker, worker } = bed(port);
    const ctl = new AbortController();
    const p = invoker.invoke(req({ timeoutMs: 60_000 }), { signal: ctl.signal });
    await until(() => worker.viewReads >= 3);
    ctl.abort();
    const err = await rejection(p);
    expect(err.code).toBe('CANCELLED');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('ignores a hook that throws', async () => {
    const srv = await local((_r, res) => res.end('ok'));
    const sup = new FakeSupervisor();
    sup.add(new FakeWorker('esb-test-fn-0001', OWNER, '127.0.0.1', srv.port));
    const invoker = createInvoker({ supervisor: sup, hooks: { invoked: () => { throw new Error('broken hook'); } } });
    cleanups.push(() => invoker.close());
    expect((await invoker.invoke(req(), {})).body.toString()).toBe('ok');
  });

  it('refuses an unsafe path with INVALID_ARGUMENT before looking the worker up', async () => {
    const { invoker } = bed(1);
    const err = await rejection(invoker.invoke(req({ path: 'http://evil.example/x', containerId: 'nope' }), {}));
    expect(err.code).toBe('INVALID_ARGUMENT');
  });
});
