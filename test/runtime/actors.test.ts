/** runtimeSteps on the simulated runtime: limiter classes, per-name chaining, abort, pull progress. */
import { describe, expect, it } from 'vitest';
import type { StepInputs, StepName, WorkerPullEvent } from '../../src/machines/worker-types.js';
import { NameChain, runtimeSteps } from '../../src/runtime/actors.js';
import { createLimiter } from '../../src/runtime/limiter.js';
import { SimulatedRuntime } from '../../src/runtime/simulated/simulated-runtime.js';
import type { WorkerSpec } from '../../src/runtime/container-runtime.js';

const spec: WorkerSpec = { name: 'esb-test-act-00000001', functionName: 'act', image: 'img:1', env: {}, ownerId: 'o', labels: {} };
const limits = (n: number) => ({ pull: n, create: n, network: n, start: n, destroy: n });

function setup(limit = 4) {
  const runtime = new SimulatedRuntime({ images: ['img:1'] });
  const limiter = createLimiter({ limits: limits(limit) });
  return { runtime, limiter, steps: runtimeSteps(runtime, limiter) };
}

/** Runs one step with its own signal; `abort()` is what the steps actor does when the machine moves on. */
function run<K extends StepName>(steps: ReturnType<typeof runtimeSteps>, step: K, input: StepInputs[K], progress: WorkerPullEvent[] = []) {
  const ac = new AbortController();
  const done = steps[step](input, { signal: ac.signal, report: (e) => progress.push(e) });
  return { abort: () => ac.abort(), done };
}

describe('NameChain', () => {
  it('starts a call for a name only after the previous one settled, even if it failed', async () => {
    const chain = new NameChain();
    const order: string[] = [];
    let release!: () => void;
    const first = chain.run('a', () => new Promise<void>((_, reject) => { release = () => { order.push('first'); reject(new Error('x')); }; }));
    const second = chain.run('a', async () => { order.push('second'); });
    const other = chain.run('b', async () => { order.push('other'); });
    await other;
    expect(order).toEqual(['other']);
    release();
    await expect(first).rejects.toThrow('x');
    await second;
    expect(order).toEqual(['other', 'first', 'second']);
    expect(chain.size).toBe(0);
  });
});

describe('runtimeSteps', () => {
  it('creates, networks, starts, stops and removes through the runtime', async () => {
    const { runtime, steps } = setup();
    expect(await run(steps, 'createContainer', { spec }).done).toEqual({ containerId: spec.name });
    expect((await run(steps, 'setupNetwork', { name: spec.name }).done).ipAddress).toMatch(/^127\./);
    await run(steps, 'startContainer', { name: spec.name }).done;
    expect(runtime.snapshotState().started).toEqual([spec.name]);
    await run(steps, 'teardownNetwork', { name: spec.name }).done;
    await run(steps, 'stopContainer', { name: spec.name, graceMs: 5 }).done;
    await run(steps, 'removeContainer', { name: spec.name }).done;
    expect(runtime.snapshotState()).toMatchObject({ containers: [], networks: [], started: [] });
  });

  it('runs a release after an aborted create that still completed in the daemon, so it is removed', async () => {
    const { runtime, steps } = setup();
    runtime.hang('create', { afterEffect: true });
    const create = run(steps, 'createContainer', { spec });
    await runtime.waitForHang('create');
    expect(runtime.snapshotState().containers).toHaveLength(1);
    create.abort(); // the machine left `creating`: the signal aborts
    await run(steps, 'removeContainer', { name: spec.name }).done;
    expect(runtime.snapshotState().containers).toEqual([]);
  });

  it('queues a release behind a slow create of the same name (chain), not behind other names', async () => {
    const { runtime, steps } = setup();
    runtime.hang('create', { match: spec.name, afterEffect: true });
    run(steps, 'createContainer', { spec });
    await runtime.waitForHang('create');
    const removed = run(steps, 'removeContainer', { name: spec.name }).done;
    const other = { ...spec, name: 'esb-test-act-00000002' };
    await run(steps, 'createContainer', { spec: other }).done; // another name is not blocked
    expect(runtime.snapshotState().calls.remove).toBe(0);
    runtime.release('create');
    await removed;
    expect(runtime.snapshotState().containers.map((c) => c.name)).toEqual([other.name]);
  });

  it('aborts a step during its latency without effect, and the release after it finds nothing', async () => {
    const runtime = new SimulatedRuntime({ images: ['img:1'], latencyMs: { create: 20 } });
    const steps = runtimeSteps(runtime, createLimiter({ limits: limits(2) }));
    const create = run(steps, 'createContainer', { spec });
    void create.done.catch(() => undefined);
    create.abort(); // aborts the signal while the create sleeps its latency
    await run(steps, 'removeContainer', { name: spec.name }).done; // chained after the aborted create
    expect(runtime.snapshotState().calls.remove).toBe(1);
    expect(runtime.snapshotState()).toMatchObject({ containers: [], inFlight: [] });
  });

  it('leaves the limiter queue with CANCELLED when aborted while queued', async () => {
    const { runtime, steps, limiter } = setup(1);
    runtime.hang('create', { match: spec.name });
    const first = run(steps, 'createContainer', { spec });
    await runtime.waitForHang('create');
    const second = run(steps, 'createContainer', { spec: { ...spec, name: 'esb-test-act-00000002' } });
    const secondDone = second.done.catch((e: unknown) => e);
    expect(limiter.stats().create).toMatchObject({ running: 1, queued: 1 });
    second.abort();
    await secondDone;
    first.abort();
    await limiter.onIdle();
    expect(runtime.snapshotState().calls.create).toBe(1);
  });

  it('reports pull progress then resolves, or rejects with the runtime error', async () => {
    const runtime = new SimulatedRuntime({ pullBytes: 1000 });
    const steps = runtimeSteps(runtime, createLimiter({ limits: limits(2) }));
    const progress: WorkerPullEvent[] = [];
    expect(await run(steps, 'pullImage', { image: 'img:2', name: spec.name }, progress).done).toEqual({ pulled: true });
    expect(progress.map((e) => e.type)).toEqual(['pull.progress', 'pull.progress']);
    runtime.failNext('ensureImage', { error: { code: 'NOT_FOUND', message: 'manifest unknown' } });
    await expect(run(steps, 'pullImage', { image: 'img:3', name: spec.name }).done)
      .rejects.toMatchObject({ code: 'NOT_FOUND', message: 'manifest unknown', step: 'ensureImage' });
  });

  it('uses the given waitReady with the worker address', async () => {
    const seen: unknown[] = [];
    const runtime = new SimulatedRuntime();
    const steps = runtimeSteps(runtime, createLimiter({ limits: limits(1) }), {
      waitReady: async (input) => { seen.push(input); },
    });
    await run(steps, 'waitReady', { name: 'n', ipAddress: '127.0.0.9', port: 8080 }).done;
    expect(seen).toEqual([{ name: 'n', ipAddress: '127.0.0.9', port: 8080 }]);
  });
});
