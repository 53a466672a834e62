import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EchoEndpoint } from '../../../src/runtime/simulated/echo-endpoint.js';
import { SimulatedRuntime } from '../../../src/runtime/simulated/simulated-runtime.js';
import { IMAGE, spec } from './helpers.js';

const INVOKE = '/2015-03-31/functions/function/invocations';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One POST over a fresh connection (no pooling, so closed endpoints fail at once). */
function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const runtimes: SimulatedRuntime[] = [];
const endpoints: EchoEndpoint[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((rt) => rt.close()));
  await Promise.all(endpoints.splice(0).map((ep) => ep.close()));
});

async function startWorker(name: string) {
  const rt = new SimulatedRuntime({ endpoints: true, images: [IMAGE] });
  runtimes.push(rt);
  await rt.create(spec(name, { functionName: 'echo-fn' }), {});
  const { ipAddress } = await rt.setupNetwork(name, {});
  await rt.start(name, {});
  return { rt, ipAddress, url: `http://${ipAddress}:8080` };
}

describe('simulated worker endpoint', () => {
  it('answers the RIE invoke path with an echo on the worker loopback address', async () => {
    const { rt, ipAddress, url } = await startWorker('ep-1');
    expect(ipAddress).toMatch(/^127\./);
    expect(ipAddress).not.toBe('127.0.0.1');
    expect(rt.endpointUrl('ep-1')).toBe(url);
    const reply = await post(url + INVOKE, JSON.stringify({ hello: 'world' }));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    const outer = JSON.parse(reply.body) as { statusCode: number; body: string };
    expect(outer.statusCode).toBe(200);
    expect(JSON.parse(outer.body)).toEqual({
      echo: { hello: 'world' }, count: 1, name: 'ep-1', functionName: 'echo-fn', path: INVOKE, headers: expect.objectContaining({ 'content-type': 'application/json' }),
    });
    expect(reply.headers['x-sim-worker']).toBe('ep-1');
  });

  it('answers with the status and body size the test asks for, and reports the headers it saw', async () => {
    const { url } = await startWorker('ep-8');
    const big = await post(url + INVOKE, '{}', { 'x-sim-response-bytes': '70000', 'x-sim-status': '202' });
    expect(big.status).toBe(202);
    expect(big.body).toBe('x'.repeat(70000));
    const echoed = await post(url + INVOKE + '?q=1', '{}', { 'X-Test': 'yes', 'x-sim-status': '503' });
    expect(echoed.status).toBe(503);
    const inner = JSON.parse((JSON.parse(echoed.body) as { body: string }).body) as { path: string; headers: Record<string, string> };
    expect(inner.path).toBe(INVOKE + '?q=1');
    expect(inner.headers['x-test']).toBe('yes');
  });

  it('answers 404 on other paths', async () => {
    const { url } = await startWorker('ep-2');
    expect((await post(url + '/nope', '{}')).status).toBe(404);
  });

  it('answers 400 to a second invocation while one is in progress', async () => {
    const ep = await EchoEndpoint.listen('127.0.0.1', 0, { name: 'ep-3', functionName: 'fn' });
    endpoints.push(ep);
    ep.setMode('serving');
    const url = `http://127.0.0.1:${ep.port}${INVOKE}`;
    const slow = post(url, '"a"', { 'x-sim-delay-ms': '60000' });
    await until(() => ep.busy, 'the first invocation to start');
    const second = await post(url, '"b"');
    expect(second.status).toBe(400);
    expect(JSON.parse(second.body)).toMatchObject({ errorType: 'AlreadyReserved' });
    await ep.close();
    await expect(slow).rejects.toThrow();
  });

  it('holds requests while paused and answers them after resume', async () => {
    const { rt, url } = await startWorker('ep-4');
    await rt.pause('ep-4', {});
    let answered = false;
    const held = post(url + INVOKE, '{"n":1}').then((r) => {
      answered = true;
      return r;
    });
    await until(() => rt.endpointInfo('ep-4')?.held === 1, 'the request to be held');
    expect(answered).toBe(false);
    expect(rt.endpointInfo('ep-4')).toMatchObject({ mode: 'paused', count: 0 });
    await rt.resume('ep-4', {});
    const reply = await held;
    expect(reply.status).toBe(200);
    expect(rt.endpointInfo('ep-4')).toMatchObject({ mode: 'serving', held: 0, count: 1, busy: false });
    expect(JSON.parse((JSON.parse(reply.body) as { body: string }).body)).toMatchObject({ echo: { n: 1 } });
  });

  it('refuses connections once stopped, and releases the address on teardown', async () => {
    const { rt, url } = await startWorker('ep-5');
    await rt.stop('ep-5', { graceMs: 0 });
    await expect(post(url + INVOKE, '{}')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(rt.snapshotState().endpoints).toEqual([]);
    await rt.teardownNetwork('ep-5', {});
    await rt.remove('ep-5', {});
    expect(rt.snapshotState()).toMatchObject({ containers: [], networks: [], endpoints: [] });
  });

  it('resets connections before the worker has started', async () => {
    const rt = new SimulatedRuntime({ endpoints: true, images: [IMAGE] });
    runtimes.push(rt);
    await rt.create(spec('ep-6'), {});
    const { ipAddress } = await rt.setupNetwork('ep-6', {});
    await expect(post(`http://${ipAddress}:8080${INVOKE}`, '{}')).rejects.toThrow();
    await rt.start('ep-6', {});
    expect((await post(`http://${ipAddress}:8080${INVOKE}`, '{}')).status).toBe(200);
  });

  it('moves on to the next address when one is taken by someone else', async () => {
    const blocker = await EchoEndpoint.listen('127.0.0.2', 8080, { name: 'x', functionName: 'x' }).catch(() => undefined);
    if (blocker) endpoints.push(blocker);
    const rt = new SimulatedRuntime({ endpoints: true, images: [IMAGE], ipStart: 1 });
    runtimes.push(rt);
    await rt.create(spec('ep-7'), {});
    const { ipAddress } = await rt.setupNetwork('ep-7', {});
    expect(ipAddress).not.toBe('127.0.0.2');
    await rt.start('ep-7', {});
    expect((await post(`http://${ipAddress}:8080${INVOKE}`, '{}')).status).toBe(200);
  });
});
