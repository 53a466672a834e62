import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { destroyUnknown } from '../../src/recovery/destroy-unknown.js';
import { withUnknownDestroy } from '../../src/recovery/recovering-supervisor.js';
import type { ContainerRuntime } from '../../src/runtime/container-runtime.js';
import { harness, request, type Harness } from '../machines/sim-harness.js';
import { seedWorkers } from './sim-seed.js';

describe('destroyUnknown', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('goes from a container no actor knows to removed when the owner matches', async () => {
    h = harness({ runtime: { idStyle: 'docker' } });
    const [name] = await seedWorkers(h.runtime, 1, ['paused']);
    const id = h.runtime.snapshotState().containers[0]!.containerId;
    expect(await destroyUnknown(h.runtime, id, 'owner-0', { graceMs: 0 })).toBe(true);
    expect(h.runtime.snapshotState().containers.map((c) => c.name)).not.toContain(name);
    expect(h.runtime.snapshotState().networks).toEqual([]);
  });

  it('refuses another owner with PERMISSION_DENIED and keeps the container', async () => {
    h = harness();
    const [name] = await seedWorkers(h.runtime, 1, ['running']);
    await expect(destroyUnknown(h.runtime, name!, 'owner-x', { graceMs: 0 })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(h.runtime.snapshotState().containers).toHaveLength(1);
  });

  it('answers false when the runtime has no such container', async () => {
    h = harness();
    expect(await destroyUnknown(h.runtime, 'esb-prev-none-00000000', 'owner-0', { graceMs: 0 })).toBe(false);
  });

  it('never reports success while the container still exists', async () => {
    h = harness();
    await seedWorkers(h.runtime, 1, ['running']);
    const rt = h.runtime;
    const sticky = {
      list: (o) => rt.list(o), stop: (n, o) => rt.stop(n, o), teardownNetwork: (n, o) => rt.teardownNetwork(n, o),
      remove: async () => undefined,
    } as Pick<ContainerRuntime, 'list' | 'stop' | 'teardownNetwork' | 'remove'> as ContainerRuntime;
    const name = h.runtime.snapshotState().containers[0]!.name;
    await expect(destroyUnknown(sticky, name, 'owner-0', { graceMs: 0 })).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('routes Destroy of an unknown id to the runtime and of a known one to its actor', async () => {
    h = harness();
    const known = await h.sup.ensure(request({ ownerId: 'owner-0' }));
    const [unknown] = await seedWorkers(h.runtime, 1, ['running']);
    const calls: string[] = [];
    const sup = withUnknownDestroy(h.sup, async (id, owner) => {
      calls.push(id);
      return destroyUnknown(h!.runtime, id, owner, { graceMs: 0 });
    });
    await sup.destroy(unknown!, 'owner-0');
    await sup.destroy(known.containerId, 'owner-0');
    expect(calls).toEqual([unknown]);
    expect(h.runtime.snapshotState().containers).toEqual([]);
    expect(h.sup.size).toBe(0);
    await expect(sup.destroy(known.containerId, 'owner-0')).resolves.toBeUndefined();
    expect(() => sup.lookup('nope', 'owner-0')).toThrow(AgentError);
  });
});
