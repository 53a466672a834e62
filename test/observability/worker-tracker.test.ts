import { afterEach, describe, expect, it } from 'vitest';
import { createAgentMetrics } from '../../src/observability/metrics.js';
import { createWorkerTracker, stateToString, type TrackerChange } from '../../src/observability/worker-tracker.js';
import { RingBuffer } from '../../src/observability/ring-buffer.js';
import { createFakeSupervisor, type FakeSupervisor } from './helpers/fake-supervisor.js';
import { parsePrometheusText, sampleValue } from './helpers/prom-parse.js';

let sup: FakeSupervisor | undefined;
afterEach(() => { sup?.stop(); sup = undefined; });
const req = { functionName: 'hello', image: 'esb/hello:latest', env: {}, ownerId: 'gw' };

describe('RingBuffer', () => {
  it('keeps the newest items when full', () => {
    const r = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.last()).toBe(5);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});

describe('stateToString', () => {
  it('turns nested state values into dotted paths', () => {
    expect(stateToString('running')).toBe('running');
    expect(stateToString({ destroying: 'network' })).toBe('destroying.network');
    expect(stateToString({ a: { b: 'c' } })).toBe('a.b.c');
  });
});

describe('createWorkerTracker', () => {
  it('counts transitions and times phases with the injected clock', async () => {
    const metrics = createAgentMetrics({ defaultMetrics: false });
    let t = 1_000_000;
    const tracker = createWorkerTracker({ metrics, now: () => (t += 250) });
    sup = createFakeSupervisor(tracker.inspect);
    const view = await sup.ensure(req);
    await sup.lookup(view.name, 'gw').command('pause');
    await sup.destroy(view.name, 'gw');
    const f = parsePrometheusText(await metrics.render());
    expect(sampleValue(f, 'esb_agent_worker_transitions_total', { from: 'none', to: 'pulling' })).toBe(1);
    expect(sampleValue(f, 'esb_agent_worker_transitions_total', { from: 'running', to: 'pausing' })).toBe(1);
    expect(sampleValue(f, 'esb_agent_worker_transitions_total', { from: 'destroying.removing', to: 'destroyed' })).toBe(1);
    for (const phase of ['pull', 'create', 'netSetup', 'start', 'pause', 'destroy']) {
      expect(sampleValue(f, 'esb_agent_lifecycle_phase_seconds_count', { phase }), phase).toBe(1);
    }
    // Each phase is a whole number of 250 ms clock ticks.
    const pull = sampleValue(f, 'esb_agent_lifecycle_phase_seconds_sum', { phase: 'pull' }) ?? 0;
    expect(pull / 0.25).toBeCloseTo(Math.round(pull / 0.25));
    expect(sampleValue(f, 'esb_agent_pulls_in_flight')).toBe(0);
  });

  it('keeps a bounded activity log per worker, oldest first', async () => {
    const tracker = createWorkerTracker({ ringSize: 4 });
    sup = createFakeSupervisor(tracker.inspect);
    const view = await sup.ensure(req);
    await sup.lookup(view.name, 'gw').command('pause');
    const recent = tracker.recent(view.name);
    expect(recent).toHaveLength(4);
    expect(recent.map((r) => r.seq)).toEqual([...recent.map((r) => r.seq)].sort((a, b) => a - b));
    expect(recent.at(-1)).toMatchObject({ kind: 'transition', from: 'pausing', to: 'paused' });
    expect(tracker.recent('nobody')).toEqual([]);
  });

  it('emits added, changed and removed rows while someone listens', async () => {
    const tracker = createWorkerTracker();
    sup = createFakeSupervisor(tracker.inspect);
    const changes: TrackerChange[] = [];
    const off = tracker.subscribe((c) => changes.push(c));
    const view = await sup.ensure(req);
    await sup.destroy(view.name, 'gw');
    off();
    const ops = changes.filter((c) => c.kind === 'worker').map((c) => ('row' in c ? `${c.op}:${c.row.state}` : `${c.op}:${c.state}`));
    expect(ops[0]).toBe('added:pulling');
    expect(ops).toContain('changed:running');
    expect(ops.at(-1)).toBe('removed:destroyed');
    const running = changes.find((c) => c.kind === 'worker' && 'row' in c && c.row.state === 'running');
    expect(running && 'row' in running ? running.row.ipAddress : '').toBe('10.9.0.2');
  });
});
