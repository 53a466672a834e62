import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { startStatelyInspection, type StatelyInspection } from '../../src/observability/inspector.js';
import { createFakeSupervisor, type FakeSupervisor } from './helpers/fake-supervisor.js';

let relay: StatelyInspection | undefined;
let sup: FakeSupervisor | undefined;
afterEach(async () => { sup?.stop(); await relay?.close(); sup = undefined; relay = undefined; });

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
const req = { functionName: 'hello', image: 'esb/hello', env: {}, ownerId: 'gw' };
const valueOf = (e: StatelyInspectionEvent): string => JSON.stringify((e as { snapshot?: { value?: unknown } }).snapshot?.value);

describe('startStatelyInspection', () => {
  it('relays a worker lifecycle to a WebSocket receiver in order', async () => {
    relay = await startStatelyInspection({ port: 0 });
    sup = createFakeSupervisor(relay.inspect);
    const events: StatelyInspectionEvent[] = [];
    createWebSocketReceiver({ server: `ws://127.0.0.1:${relay.port}` }).subscribe((e) => events.push(e));
    await until(() => relay!.viewers === 1);
    const view = await sup.ensure(req);
    await sup.lookup(view.name, 'gw').command('pause');
    await sup.destroy(view.name, 'gw');
    const workerActor = () => events.find((e) => e.type === '@xstate.actor' && e.name === 'worker' && (e.snapshot as { context?: { spec?: { name?: string } } }).context?.spec?.name === view.name);
    await until(() => workerActor() !== undefined && events.some((e) => e.type === '@xstate.snapshot' && valueOf(e) === '"destroyed"'));
    const session = workerActor()!.sessionId;
    const states = events.filter((e) => e.type === '@xstate.snapshot' && e.sessionId === session).map(valueOf);
    const distinct = states.filter((s, i) => s !== states[i - 1]);
    expect(distinct).toEqual([
      '"pulling"', '"creating"', '"netSetup"', '"starting"', '"running"', '"pausing"', '"paused"',
      '{"destroying":"network"}', '{"destroying":"stopping"}', '{"destroying":"removing"}', '"destroyed"',
    ]);
    expect(events.some((e) => e.type === '@xstate.event' && e.sessionId === session && (e.event as { type: string }).type === 'worker.pause')).toBe(true);
  });

  it('announces live actors to a viewer that connects later', async () => {
    relay = await startStatelyInspection({ port: 0 });
    sup = createFakeSupervisor(relay.inspect);
    const view = await sup.ensure(req);
    expect(relay.viewers).toBe(0);
    const events: StatelyInspectionEvent[] = [];
    createWebSocketReceiver({ server: `ws://127.0.0.1:${relay.port}` }).subscribe((e) => events.push(e));
    await until(() => events.some((e) => e.type === '@xstate.snapshot' && valueOf(e) === '"running"'));
    expect(events.some((e) => e.type === '@xstate.actor' && e.name === 'worker')).toBe(true);
    expect(JSON.stringify(events)).toContain(view.name);
  });

  it('serves the bridge page on / and 404 elsewhere', async () => {
    relay = await startStatelyInspection({ port: 0 });
    const page = await fetch(`http://127.0.0.1:${relay.port}/`);
    expect(await page.text()).toContain('@statelyai.connected');
    expect((await fetch(`http://127.0.0.1:${relay.port}/x`)).status).toBe(404);
  });
});

describe('inspection of the real worker machine (AGENT_INSPECT=1, simulated runtime)', () => {
  it('delivers Ensure → Pause → Destroy of a worker to a WebSocket receiver in order', async () => {
    const { startAgentHarness } = await import('./helpers/agent-harness.js');
    const agent = await startAgentHarness({ inspect: true, http: false });
    try {
      const port = agent.obs.stately!.port;
      const events: StatelyInspectionEvent[] = [];
      createWebSocketReceiver({ server: `ws://127.0.0.1:${port}` }).subscribe((e) => events.push(e));
      await until(() => agent.obs.stately!.viewers === 1);
      const c = agent.grpc.client;
      const w = await c.ok('EnsureContainer', { function_name: 'inspected', image: 'esb/inspected:latest', env: {}, owner_id: 'gw' });
      await c.ok('PauseContainer', { container_id: w.id, owner_id: 'gw' });
      await c.ok('DestroyContainer', { container_id: w.id, owner_id: 'gw' });
      const actor = () => events.find((e) => e.type === '@xstate.actor' && JSON.stringify(e.snapshot).includes(w.name));
      await until(() => actor() !== undefined && events.some((e) => e.type === '@xstate.snapshot' && e.sessionId === actor()!.sessionId && valueOf(e) === '"destroyed"'));
      const session = actor()!.sessionId;
      const states = events.filter((e) => e.type === '@xstate.snapshot' && e.sessionId === session).map(valueOf);
      const distinct = states.filter((s, i) => s !== states[i - 1]);
      const order = ['"pulling"', '"creating"', '"running"', '"pausing"', '"paused"', '"destroyed"'];
      const positions = order.map((s) => distinct.indexOf(s));
      expect(positions.every((p) => p >= 0), distinct.join(' ')).toBe(true);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(distinct.some((s) => s.startsWith('{"destroying"'))).toBe(true);
      const sent = events.filter((e) => e.type === '@xstate.event' && e.sessionId === session).map((e) => ((e as { event?: { type?: string } }).event?.type ?? ''));
      expect(sent.indexOf('worker.pause')).toBeLessThan(sent.indexOf('worker.destroy'));
    } finally {
      await agent.close();
    }
  });
});

describe('redactEnv', () => {
  it('masks env values at any depth without touching the input', async () => {
    const { redactEnv, REDACTED } = await import('../../src/observability/redact-env.js');
    class Ref { env = { KEEP: 'instance fields are not walked' }; }
    const ref = new Ref();
    const input = { snapshot: { context: { spec: { name: 'w', env: { SECRET: 's3cr3t' } } }, children: { step: ref } }, list: [{ input: { spec: { env: { B: '2' } } } }] };
    const out = redactEnv(input);
    expect(out.snapshot.context.spec.env).toEqual({ SECRET: REDACTED });
    expect(out.list[0]!.input.spec.env).toEqual({ B: REDACTED });
    expect(out.snapshot.children.step).toBe(ref);
    expect(input.snapshot.context.spec.env.SECRET).toBe('s3cr3t');
    expect(redactEnv({ a: 1 })).toEqual({ a: 1 });
  });

  it('keeps env values out of the published inspection stream', async () => {
    const { startAgentHarness } = await import('./helpers/agent-harness.js');
    const agent = await startAgentHarness({ inspect: true, http: false });
    try {
      const raw: string[] = [];
      const { default: WebSocket } = await import('ws');
      const ws = new WebSocket(`ws://127.0.0.1:${agent.obs.stately!.port}/`);
      ws.on('message', (d) => raw.push(d.toString()));
      await until(() => agent.obs.stately!.viewers === 1);
      await agent.grpc.client.ok('EnsureContainer', { function_name: 'secretive', image: 'esb/s:latest', env: { API_TOKEN: 'tok-5up3r-s3cret' }, owner_id: 'gw' });
      await until(() => raw.some((m) => m.includes('"running"')));
      ws.close();
      expect(raw.some((m) => m.includes('tok-5up3r-s3cret')), 'env value published').toBe(false);
      expect(raw.some((m) => m.includes('API_TOKEN'))).toBe(true);
    } finally {
      await agent.close();
    }
  });
});
