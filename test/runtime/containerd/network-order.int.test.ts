import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContainerdRuntime } from '../../../src/runtime/containerd/create-containerd-runtime.js';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import type { NetworkPhase } from '../../../src/runtime/containerd/options.js';
import { AgentError } from '../../../src/errors.js';
import { createIsolation, ctr, lines, requireRuntimes, type TestIsolation } from '../../helpers/index.js';
import { invoke, runtimeOptions, workerSpec } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/runtime/containerd/network-order.int.test.ts');

async function taskStatus(ns: string, id: string): Promise<string | undefined> {
  return lines(await ctr(ns, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id)?.[2];
}

describe.skipIf(!rt.ok)('containerd adapter network order', () => {
  let iso: TestIsolation;
  let runtime: ContainerdRuntime | undefined;
  const make = async (networkPhase?: NetworkPhase): Promise<ContainerdRuntime> => {
    runtime = await createContainerdRuntime({ ...runtimeOptions(iso, networkPhase ? { networkPhase } : {}), readinessTimeoutMs: 30_000 });
    return runtime;
  };
  beforeEach(async () => {
    iso = await createIsolation('cd-order');
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await iso.cleanup();
  });

  it('reports afterStart by default and goes from start to network to an invoke answered at the first try', async () => {
    const image = await iso.importImage();
    const r = await make();
    expect(r.info.networkPhase).toBe('afterStart');
    const spec = workerSpec(iso, image, 'order');
    await r.create(spec, {});
    await r.start(spec.name, {});
    expect(await taskStatus(iso.namespace, spec.name)).toBe('RUNNING');
    const listed = (await r.list({}))[0];
    expect(listed?.incomplete).toBe(true); // no network yet
    expect(listed?.ipAddress ?? '').toBe('');
    const { ipAddress } = await r.setupNetwork(spec.name, {});
    // setupNetwork resolved after the readiness wait: no retry needed.
    expect((await invoke(ipAddress, { order: 'afterStart' }))['echo']).toEqual({ order: 'afterStart' });
    await r.stop(spec.name, { graceMs: 1000 });
    await r.remove(spec.name, {});
    expect(await r.list({})).toEqual([]);
    await iso.assertNothingLeft();
  });

  it('goes from a worker killed between start and network to a network error and a clean remove', async () => {
    const image = await iso.importImage();
    const r = await make('afterStart');
    const spec = workerSpec(iso, image, 'orderkill');
    await r.create(spec, {});
    await r.start(spec.name, {});
    await ctr(iso.namespace, ['tasks', 'kill', '-s', 'SIGKILL', spec.name]);
    for (let k = 0; k < 500 && (await taskStatus(iso.namespace, spec.name)) !== 'STOPPED'; k++) await new Promise((res) => setTimeout(res, 10));
    await expect(r.setupNetwork(spec.name, {})).rejects.toBeInstanceOf(AgentError);
    await r.teardownNetwork(spec.name, {});
    await r.stop(spec.name, { graceMs: 0 });
    await r.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('reports beforeStart when asked and then waits for readiness in start', async () => {
    const image = await iso.importImage();
    const r = await make('beforeStart');
    expect(r.info.networkPhase).toBe('beforeStart');
    const spec = workerSpec(iso, image, 'orderb');
    await r.create(spec, {});
    const { ipAddress } = await r.setupNetwork(spec.name, {});
    await r.start(spec.name, {});
    expect((await invoke(ipAddress, { order: 'beforeStart' }))['echo']).toEqual({ order: 'beforeStart' });
    await r.stop(spec.name, { graceMs: 1000 });
    await r.remove(spec.name, {});
    await iso.assertNothingLeft();
  });
});
