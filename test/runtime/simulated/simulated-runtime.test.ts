import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { AgentError } from '../../../src/errors.js';
import { isListable, workerLabels } from '../../../src/identity.js';
import type { RuntimeEvent } from '../../../src/runtime/container-runtime.js';
import { SimulatedRuntime } from '../../../src/runtime/simulated/simulated-runtime.js';
import { IMAGE, spec } from './helpers.js';

const none = {};

async function running(rt: SimulatedRuntime, name: string, extra: Parameters<typeof spec>[1] = {}) {
  await rt.ensureImage(IMAGE, none);
  await rt.create(spec(name, extra), none);
  const { ipAddress } = await rt.setupNetwork(name, none);
  await rt.start(name, none);
  return ipAddress;
}

async function destroy(rt: SimulatedRuntime, name: string) {
  await rt.stop(name, { graceMs: 10 });
  await rt.teardownNetwork(name, none);
  await rt.remove(name, none);
}

describe('SimulatedRuntime', () => {
  it('reports kind simulated and network before start', () => {
    expect(new SimulatedRuntime().info).toMatchObject({ kind: 'simulated', networkPhase: 'beforeStart' });
  });

  it('goes from nothing to running and back to nothing, leaving no trace', async () => {
    const rt = new SimulatedRuntime();
    const ip = await running(rt, 'w1');
    expect(ip).toBe('127.0.0.2');
    expect(rt.snapshotState()).toMatchObject({ networks: ['w1'], started: ['w1'], paused: [] });
    await destroy(rt, 'w1');
    const s = rt.snapshotState();
    expect(s.containers).toEqual([]);
    expect(s.networks).toEqual([]);
    expect(s.started).toEqual([]);
    expect(s.calls).toMatchObject({ create: 1, setupNetwork: 1, start: 1, stop: 1, teardownNetwork: 1, remove: 1 });
  });

  it('pulls an image once and reports progress', async () => {
    const rt = new SimulatedRuntime({ pullBytes: 100 });
    const progress: number[] = [];
    const first = await rt.ensureImage(IMAGE, { onProgress: (p) => progress.push(p.doneBytes) });
    const second = await rt.ensureImage(IMAGE, none);
    expect(first).toMatchObject({ ref: IMAGE, pulled: true });
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.pulled).toBe(false);
    expect(progress).toEqual([50, 100]);
  });

  it('gives every worker a distinct loopback address, never 127.0.0.1', async () => {
    const rt = new SimulatedRuntime();
    const ips = new Set<string>();
    for (let i = 0; i < 300; i++) ips.add(await running(rt, `w${i}`));
    expect(ips.size).toBe(300);
    expect(ips.has('127.0.0.1')).toBe(false);
    for (const ip of ips) expect(ip).toMatch(/^127\.\d+\.\d+\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/);
  });

  it('uses the name as id, or a 64-hex id in docker style', async () => {
    const rt = new SimulatedRuntime({ idStyle: 'docker', images: [IMAGE] });
    const { containerId } = await rt.create(spec('w1'), none);
    expect(containerId).toMatch(/^[0-9a-f]{64}$/);
    const rt2 = new SimulatedRuntime({ images: [IMAGE] });
    expect((await rt2.create(spec('w1'), none)).containerId).toBe('w1');
  });

  it('gives seeded containers the same id style', async () => {
    const rt = new SimulatedRuntime({ idStyle: 'docker' });
    await rt.seed({ spec: spec('old'), status: 'running' });
    expect((await rt.list(none))[0]?.containerId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses create without the image and a duplicate name', async () => {
    const rt = new SimulatedRuntime();
    await expect(rt.create(spec('w1'), none)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await rt.ensureImage(IMAGE, none);
    await rt.create(spec('w1'), none);
    await expect(rt.create(spec('w1'), none)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  describe('not-found and precondition semantics', () => {
    it('treats teardownNetwork, stop and remove of unknown names as done', async () => {
      const rt = new SimulatedRuntime();
      await expect(rt.teardownNetwork('ghost', none)).resolves.toBeUndefined();
      await expect(rt.stop('ghost', { graceMs: 0 })).resolves.toBeUndefined();
      await expect(rt.remove('ghost', none)).resolves.toBeUndefined();
    });

    it('answers NOT_FOUND for pause, resume, start, setupNetwork and metrics of unknown names', async () => {
      const rt = new SimulatedRuntime();
      for (const call of [
        rt.pause('ghost', none), rt.resume('ghost', none), rt.start('ghost', none), rt.setupNetwork('ghost', none), rt.metrics('ghost', none),
      ]) {
        await expect(call).rejects.toMatchObject({ name: 'AgentError', code: 'NOT_FOUND' });
      }
    });

    it('refuses pause of a container that is not running and resume of one that is not paused', async () => {
      const rt = new SimulatedRuntime({ images: [IMAGE] });
      await rt.create(spec('w1'), none);
      await expect(rt.pause('w1', none)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/cannot pause w1: it is created/) });
      await rt.start('w1', none);
      await expect(rt.resume('w1', none)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      await rt.pause('w1', none);
      await expect(rt.pause('w1', none)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      expect(rt.snapshotState().paused).toEqual(['w1']);
      await rt.resume('w1', none);
      expect(rt.snapshotState().paused).toEqual([]);
    });

    it('refuses to remove a container whose process runs, and stops a paused one', async () => {
      const rt = new SimulatedRuntime();
      await running(rt, 'w1');
      await expect(rt.remove('w1', none)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      await rt.pause('w1', none);
      await rt.stop('w1', { graceMs: 0 });
      expect(rt.snapshotState().containers[0]).toMatchObject({ status: 'stopped', exitCode: 137 });
    });

    it('keeps the IP lease when remove runs before teardownNetwork, so the leak is visible', async () => {
      const rt = new SimulatedRuntime();
      await running(rt, 'w1');
      await rt.stop('w1', { graceMs: 0 });
      await rt.remove('w1', none);
      expect(rt.snapshotState()).toMatchObject({ containers: [], networks: ['w1'] });
      await rt.teardownNetwork('w1', none);
      expect(rt.snapshotState().networks).toEqual([]);
    });
  });

  describe('cancellation', () => {
    it('rejects with CANCELLED and changes nothing when the signal is already aborted', async () => {
      const rt = new SimulatedRuntime({ images: [IMAGE] });
      const ac = new AbortController();
      ac.abort();
      await expect(rt.create(spec('w1'), { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED', step: 'create' });
      expect(rt.snapshotState().containers).toEqual([]);
    });

    it('rejects with CANCELLED when aborted during its latency', async () => {
      const rt = new SimulatedRuntime({ images: [IMAGE], latencyMs: { create: 60_000 } });
      const ac = new AbortController();
      const p = rt.create(spec('w1'), { signal: ac.signal });
      await until(() => rt.snapshotState().inFlight.length === 1);
      expect(rt.snapshotState().inFlight).toEqual([{ op: 'create', name: 'w1' }]);
      ac.abort();
      await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(rt.snapshotState()).toMatchObject({ containers: [], inFlight: [] });
    });

    it('waits its latency on the global timers, so fake timers drive it', async () => {
      vi.useFakeTimers();
      try {
        const rt = new SimulatedRuntime({ latencyMs: { ensureImage: 5_000 } });
        let done = false;
        const p = rt.ensureImage(IMAGE, none).then(() => (done = true));
        await vi.advanceTimersByTimeAsync(4_999);
        expect(done).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        await p;
        expect(done).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });

    it('uses the injected sleep for latency', async () => {
      const waits: number[] = [];
      const rt = new SimulatedRuntime({ latencyMs: { ensureImage: 250 }, sleep: async (ms) => void waits.push(ms) });
      await rt.ensureImage(IMAGE, none);
      expect(waits).toEqual([250]);
    });

    it('passes on an AgentError CANCELLED reason as is', async () => {
      const rt = new SimulatedRuntime({ images: [IMAGE] });
      rt.hang('create');
      const ac = new AbortController();
      const p = rt.create(spec('w1'), { signal: ac.signal });
      await rt.waitForHang('create');
      const reason = new AgentError('CANCELLED', 'destroy requested');
      ac.abort(reason);
      await expect(p).rejects.toBe(reason);
    });
  });

  describe('fault injection', () => {
    it('fails the next matching call once with the scripted error', async () => {
      const rt = new SimulatedRuntime({ images: [IMAGE] });
      rt.failNext('create', { match: 'fn-b', error: { code: 'RESOURCE_EXHAUSTED', message: 'no space left' } });
      await rt.create(spec('w1', { functionName: 'fn-a' }), none);
      await expect(rt.create(spec('w2', { functionName: 'fn-b' }), none)).rejects.toMatchObject({
        name: 'AgentError', code: 'RESOURCE_EXHAUSTED', message: 'no space left', step: 'create',
      });
      await rt.create(spec('w3', { functionName: 'fn-b' }), none);
      expect(rt.snapshotState().containers.map((c) => c.name)).toEqual(['w1', 'w3']);
      expect(rt.faults.pending()).toBe(0);
    });

    it('fails several calls with times and matches by predicate or image', async () => {
      const rt = new SimulatedRuntime();
      rt.failNext('ensureImage', { match: IMAGE, error: new AgentError('NOT_FOUND', 'manifest unknown'), times: 2 });
      await expect(rt.ensureImage(IMAGE, none)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(rt.ensureImage(IMAGE, none)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(rt.ensureImage(IMAGE, none)).resolves.toMatchObject({ pulled: true });
      await rt.create(spec('w1'), none);
      rt.failNext('setupNetwork', { match: (t) => t.name === 'w1', error: { code: 'UNAVAILABLE', message: 'bridge down' } });
      await expect(rt.setupNetwork('w1', none)).rejects.toMatchObject({ code: 'UNAVAILABLE', step: 'setupNetwork' });
      expect(rt.snapshotState().networks).toEqual([]);
    });

    it('hangs create until aborted, so destroy-during-create can be tested', async () => {
      const rt = new SimulatedRuntime({ images: [IMAGE] });
      rt.hang('create', { match: 'w1' });
      const ac = new AbortController();
      const p = rt.create(spec('w1'), { signal: ac.signal });
      await rt.waitForHang('create', 'w1');
      expect(rt.snapshotState().inFlight).toEqual([{ op: 'create', name: 'w1' }]);
      ac.abort();
      await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(rt.snapshotState().containers).toEqual([]);
    });

    it('hangs after the effect when asked: the container exists although the call was cancelled', async () => {
      const rt = new SimulatedRuntime({ images: [IMAGE] });
      rt.hang('create', { afterEffect: true });
      const ac = new AbortController();
      const p = rt.create(spec('w1'), { signal: ac.signal });
      await rt.waitForHang('create');
      ac.abort();
      await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(rt.snapshotState().containers.map((c) => c.name)).toEqual(['w1']);
      await rt.remove('w1', none);
      expect(rt.snapshotState().containers).toEqual([]);
    });

    it('lets a hung call continue on release', async () => {
      const rt = new SimulatedRuntime({ images: [IMAGE] });
      rt.hang('create');
      const p = rt.create(spec('w1'), none);
      await rt.waitForHang('create');
      expect(rt.release('create')).toBe(1);
      await expect(p).resolves.toEqual({ containerId: 'w1' });
    });

    it('records calls and outcomes when asked', async () => {
      const rt = new SimulatedRuntime({ recordCalls: true });
      rt.failNext('start', { error: { code: 'INTERNAL', message: 'boom' } });
      await expect(running(rt, 'w1')).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(rt.callLog()).toEqual([
        { op: 'ensureImage', target: IMAGE, outcome: 'ok' },
        { op: 'create', target: 'w1', outcome: 'ok' },
        { op: 'setupNetwork', target: 'w1', outcome: 'ok' },
        { op: 'start', target: 'w1', outcome: 'INTERNAL' },
      ]);
    });
  });

  describe('runtime events', () => {
    it('emits exit and marks the container stopped', async () => {
      const rt = new SimulatedRuntime({ now: () => 1_000 });
      const events: RuntimeEvent[] = [];
      rt.subscribe((e) => events.push(e));
      await running(rt, 'w1');
      await rt.exit('w1', 3);
      expect(events).toEqual([{ type: 'exit', name: 'w1', exitCode: 3, at: 1_000 }]);
      expect((await rt.list(none))[0]).toMatchObject({ status: 'STOPPED', exitCode: 3 });
      await expect(rt.pause('w1', none)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    });

    it('emits oom then exit 137, and counts the OOM event', async () => {
      const rt = new SimulatedRuntime({ now: () => 5 });
      const events: RuntimeEvent[] = [];
      const off = rt.subscribe((e) => events.push(e));
      await running(rt, 'w1');
      await rt.oom('w1');
      expect(events.map((e) => e.type)).toEqual(['oom', 'exit']);
      expect(events[1]).toMatchObject({ exitCode: 137 });
      expect((await rt.metrics('w1', none)).oomEvents).toBe(1n);
      off();
      await rt.start('w1', none);
      await rt.exit('w1', 0);
      expect(events).toHaveLength(2);
    });

    it('does not emit events for stops the agent asked for', async () => {
      const rt = new SimulatedRuntime();
      const events: RuntimeEvent[] = [];
      rt.subscribe((e) => events.push(e));
      await running(rt, 'w1');
      await destroy(rt, 'w1');
      expect(events).toEqual([]);
    });
  });

  describe('list and metrics', () => {
    it('lists only managed containers, with status, ip and createdAt', async () => {
      let t = 100;
      const rt = new SimulatedRuntime({ now: () => t, isManaged: (l) => l['sim_env'] === 'test' });
      await running(rt, 'w1');
      t = 200;
      await rt.create(spec('w2'), none);
      await rt.create(spec('other', { labels: { sim_env: 'prod' } }), none);
      await rt.pause('w1', none);
      const list = await rt.list(none);
      expect(list).toEqual([
        expect.objectContaining({ containerId: 'w1', name: 'w1', functionName: 'fn', ownerId: 'owner-a', status: 'PAUSED', createdAt: 100, ipAddress: '127.0.0.2', image: IMAGE }),
        expect.objectContaining({ name: 'w2', status: 'STOPPED', createdAt: 200, incomplete: true }),
      ]);
      expect(list[1]?.ipAddress).toBeUndefined();
    });

    it('filters with the identity label test of the agent', async () => {
      const config = loadConfig({ ENV: 'test', CONTAINERS_NETWORK: 'esb-test-external', ESB_BRAND_SLUG: 'acme' });
      const rt = new SimulatedRuntime({ images: [IMAGE], isManaged: (l) => isListable(l, config.identity) });
      await rt.create(spec('acme-test-fn-00000001', { labels: workerLabels(config.identity, 'fn', 'o') }), none);
      await rt.create(spec('acme-prod-fn-00000002', { labels: { ...workerLabels(config.identity, 'fn', 'o'), acme_env: 'prod' } }), none);
      await rt.create(spec('esb-test-fn-00000003'), none);
      expect((await rt.list(none)).map((c) => c.name)).toEqual(['acme-test-fn-00000001']);
    });

    it('returns deterministic metrics with memoryMax equal to the limit', async () => {
      let t = 1_000;
      const rt = new SimulatedRuntime({ now: () => t });
      await running(rt, 'w1', { memoryLimitBytes: 128 * 1024 * 1024 });
      t = 3_000;
      const m = await rt.metrics('w1', none);
      expect(m).toEqual({
        state: 'RUNNING', memoryCurrent: 16n * 1024n * 1024n, memoryMax: 128n * 1024n * 1024n, oomEvents: 0n,
        cpuUsageNs: 20_000_000n, exitCode: 0, exitTime: 0, restartCount: 0,
      });
      await rt.exit('w1', 1);
      expect(await rt.metrics('w1', none)).toMatchObject({ state: 'STOPPED', exitCode: 1, exitTime: 3_000, memoryCurrent: 0n });
    });
  });

  describe('seed', () => {
    it('puts containers in place for adoption tests', async () => {
      const rt = new SimulatedRuntime();
      await rt.seed({ spec: spec('old-1'), status: 'running', createdAt: 7 });
      await rt.seed({ spec: spec('old-2'), status: 'created' });
      const list = await rt.list(none);
      expect(list.map((c) => [c.name, c.status, c.ipAddress !== undefined])).toEqual([
        ['old-1', 'RUNNING', true],
        ['old-2', 'STOPPED', false],
      ]);
      await destroy(rt, 'old-1');
      await destroy(rt, 'old-2');
      expect(rt.snapshotState()).toMatchObject({ containers: [], networks: [] });
    });
  });

  it('refuses every call once closed', async () => {
    const rt = new SimulatedRuntime();
    await rt.close();
    await expect(rt.list(none)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('runs 10,000 create/start/stop/remove cycles without leaking', async () => {
    const rt = new SimulatedRuntime({ images: [IMAGE] });
    for (let i = 0; i < 10_000; i++) {
      const name = `w${i}`;
      await rt.create(spec(name), none);
      await rt.setupNetwork(name, none);
      await rt.start(name, none);
      await destroy(rt, name);
    }
    expect(rt.snapshotState()).toMatchObject({ containers: [], networks: [], endpoints: [] });
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}
