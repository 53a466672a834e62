import { afterEach, describe, expect, it } from 'vitest';
import { actorSender } from '../../src/recovery/actor-sender.js';
import { adoptExisting } from '../../src/recovery/adopt.js';
import { reconcileOnce, startReconcile, type ReconcileDeps } from '../../src/recovery/reconcile.js';
import { harness, request, until, type Harness } from '../machines/sim-harness.js';
import { memoryLog, seedWorkers } from './sim-seed.js';

function deps(h: Harness): ReconcileDeps {
  let n = 0;
  return {
    runtime: h.runtime, supervisor: h.sup, send: actorSender(h.sup.system), log: memoryLog().log,
    now: Date.now, newRequestId: () => `rec-${++n}`,
  };
}

describe('reconcile', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('goes from running to released when the container vanished outside the agent', async () => {
    h = harness();
    const view = await h.sup.ensure(request());
    await h.runtime.stop(view.name, { graceMs: 0 });
    await h.runtime.remove(view.name, {});
    const r = await reconcileOnce(deps(h));
    expect(r.vanished).toEqual([view.name]);
    await until(() => h!.sup.size === 0);
    expect(h.runtime.snapshotState().networks).toEqual([]);
  });

  it('goes from running to stopped when the container stopped without an event', async () => {
    h = harness();
    const view = await h.sup.ensure(request());
    await h.runtime.stop(view.name, { graceMs: 0 }); // the simulated stop emits no exit event
    expect(h.sup.all()[0]!.state).toBe('running');
    const r = await reconcileOnce(deps(h));
    expect(r.exited).toEqual([view.name]);
    expect(h.sup.all()[0]).toMatchObject({ state: 'stopped', status: 'STOPPED' });
  });

  it('adopts a container no actor knows and leaves half-made and excluded ones alone', async () => {
    h = harness();
    const [adopt, excluded] = await seedWorkers(h.runtime, 2, ['running']);
    const [created] = await seedWorkers(h.runtime, 1, ['created']);
    const r = await reconcileOnce({ ...deps(h), excluded: () => new Set([excluded!]) });
    expect(r.adopted).toEqual([adopt]);
    expect(h.sup.all().map((v) => v.name)).not.toContain(created);
  });

  it('leaves actors in a transitional state alone', async () => {
    h = harness();
    h.runtime.hang('create');
    const ensuring = h.sup.ensure(request()).catch(() => undefined);
    await h.runtime.waitForHang('create');
    const r = await reconcileOnce(deps(h));
    expect(r).toEqual({ vanished: [], exited: [], drifted: [], adopted: [] });
    h.runtime.release();
    await ensuring;
  });

  it('goes from drift to the vanished actor released by the periodic loop within one interval', async () => {
    h = harness();
    await seedWorkers(h.runtime, 1, ['running']);
    await adoptExisting(h.runtime, h.sup);
    const name = h.sup.all()[0]!.name;
    const loop = startReconcile(deps(h), 20);
    try {
      await h.runtime.stop(name, { graceMs: 0 });
      await h.runtime.remove(name, {});
      await until(() => h!.sup.size === 0);
    } finally {
      await loop.stop();
    }
  });
});
