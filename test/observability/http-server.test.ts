import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createObservabilityServer, type ObservabilityHttpServer } from '../../src/observability/http-server.js';
import { createAgentMetrics } from '../../src/observability/metrics.js';
import { createWorkerTracker } from '../../src/observability/worker-tracker.js';
import { createFakeSupervisor, fakeWorkerMachine, type FakeSupervisor } from './helpers/fake-supervisor.js';
import { parsePrometheusText } from './helpers/prom-parse.js';

let sup: FakeSupervisor;
let http: ObservabilityHttpServer;
let base: string;
let ready = false;

async function start(basicAuth?: string): Promise<void> {
  const metrics = createAgentMetrics();
  const tracker = createWorkerTracker({ metrics });
  sup = createFakeSupervisor(tracker.inspect);
  http = createObservabilityServer({
    port: 0, basicAuth, metrics, tracker, supervisor: sup, machine: fakeWorkerMachine as never,
    readiness: () => ({ ready, checks: { adoption: ready, grpc: ready } }),
  });
  const addr = await http.listen();
  base = `http://127.0.0.1:${addr.port}`;
}
afterEach(async () => { await http.close(); sup.stop(); ready = false; });

describe('observability HTTP server', () => {
  beforeEach(() => start());

  it('serves /metrics as Prometheus text on loopback', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parsePrometheusText(await res.text()).has('process_cpu_user_seconds_total')).toBe(true);
    expect(http.server.address()).toMatchObject({ address: '127.0.0.1' });
  });

  it('answers /healthz always and /readyz only when ready', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ checks: { adoption: false } });
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    expect((await fetch(`${base}/anything`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the page and its assets from the agent with a self-only CSP', async () => {
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/assets/app.js', '/assets/statechart.js', '/assets/style.css']) expect((await fetch(base + asset)).status).toBe(200);
  });

  it('lists workers, shows one with its activity and metrics, and draws the machine', async () => {
    const view = await sup.ensure({ functionName: 'hello', image: 'esb/hello', env: {}, ownerId: 'gw' });
    const list = await (await fetch(`${base}/api/workers`)).json() as { workers: { name: string }[] };
    expect(list.workers.map((w) => w.name)).toEqual([view.name]);
    const detail = await (await fetch(`${base}/api/workers/${encodeURIComponent(view.name)}`)).json() as Record<string, unknown>;
    expect(detail.view).toMatchObject({ name: view.name, state: 'running' });
    expect(detail.metrics).toMatchObject({ memoryCurrent: 12582912 });
    expect((detail.activity as unknown[]).length).toBeGreaterThan(0);
    expect((await fetch(`${base}/api/workers/nobody`)).status).toBe(404);
    const machine = await (await fetch(`${base}/api/machine`)).json() as { graph: { states: unknown[] }; layout: { nodes: unknown[] } };
    expect(machine.layout.nodes.length).toBe(machine.graph.states.length);
  });

  it('streams a snapshot then worker changes over SSE', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${base}/api/events`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const until = async (re: RegExp) => {
      while (!re.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await until(/event: snapshot/);
    const view = await sup.ensure({ functionName: 'hello', image: 'esb/hello', env: {}, ownerId: 'gw' });
    await until(/"state":"running"/);
    await sup.destroy(view.name, 'gw');
    await until(/"op":"removed"/);
    expect(text).toContain('event: activity');
    ctrl.abort();
  });
});

describe('observability HTTP server with basic auth', () => {
  beforeEach(() => start('ops:s3cret:x'));

  it('requires credentials except on the probes', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const auth = { authorization: `Basic ${Buffer.from('ops:s3cret:x').toString('base64')}` };
    expect((await fetch(`${base}/metrics`, { headers: auth })).status).toBe(200);
    const wrong = { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` };
    expect((await fetch(`${base}/`, { headers: wrong })).status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
