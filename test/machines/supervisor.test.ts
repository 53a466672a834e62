/** The supervisor on the simulated runtime, with the real runtime actors and limiter. */
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { AgentError } from '../../src/errors.js';
import type { SupervisorChange } from '../../src/machines/supervisor-api.js';
import { harness, request, until, type Harness } from './sim-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.cleanup();
});

const empty = (rt: Harness['runtime']) => {
  const s = rt.snapshotState();
  return { containers: s.containers.length, networks: s.networks.length, started: s.started.length };
};
const NONE = { containers: 0, networks: 0, started: 0 };

async function rejection(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AgentError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('supervisor', () => {
  it('ensures a worker to running and indexes it by name, container id and owner', async () => {
    h = harness({ runtime: { idStyle: 'docker' } });
    const view = await h.sup.ensure(request());
    expect(view).toMatchObject({ state: 'running', status: 'RUNNING', ownerId: 'owner-a', port: 8080 });
    expect(view.containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(view.ipAddress).not.toBe('');
    expect(h.sup.lookup(view.containerId, 'owner-a').name).toBe(view.name);
    expect(h.sup.lookup(view.name, 'owner-a').view().containerId).toBe(view.containerId);
    expect(h.sup.list('owner-a').map((v) => v.name)).toEqual([view.name]);
    expect(h.sup.list('owner-b')).toEqual([]);
    expect(h.sup.size).toBe(1);
    expect(h.sup.system.get(view.name)).toBeDefined();
  });

  it('invokes waitReady only when a readiness check is configured (readiness: false skips readying)', async () => {
    const seen: string[] = [];
    const actors = { waitReady: async (i: { name: string }) => { seen.push(i.name); } };
    const states: string[] = [];
    h = harness({ actors, readiness: false, inspect: (e) => { if (e.type === '@xstate.snapshot' && (e.actorRef as { id?: string }).id !== 'supervisor') states.push(String((e.snapshot as { value?: unknown }).value)); } });
    const skipped = await h.sup.ensure(request());
    expect(skipped.status).toBe('RUNNING');
    expect(seen).toEqual([]);
    expect(states).not.toContain('readying');
    await h.cleanup();
    h = harness({ actors });
    const checked = await h.sup.ensure(request());
    expect(seen).toEqual([checked.name]);
  });

  it('rejects lookups of unknown containers and of other owners with the contract messages', async () => {
    h = harness();
    const view = await h.sup.ensure(request());
    expect(() => h.sup.lookup('nope', 'owner-a')).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: 'container_id not found' }));
    expect(() => h.sup.lookup(view.containerId, 'owner-b'))
      .toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED', message: 'owner_id does not match container' }));
  });

  it('destroys a worker, releases everything and reaps it; unknown ids succeed', async () => {
    h = harness({ runtime: { idStyle: 'docker' } });
    const view = await h.sup.ensure(request());
    await expect(h.sup.destroy(view.containerId, 'owner-b')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await h.sup.destroy(view.containerId, 'owner-a');
    expect(h.sup.size).toBe(0);
    expect(empty(h.runtime)).toEqual(NONE);
    expect(() => h.sup.lookup(view.containerId, 'owner-a')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(h.sup.system.get(view.name)).toBeUndefined();
    await h.sup.destroy(view.containerId, 'owner-a');
    await h.sup.destroy('never-existed', 'owner-a');
  });

  it('passes INVALID_ARGUMENT from the spec builder through without spawning', async () => {
    h = harness();
    expect(await rejection(h.sup.ensure(request({ functionName: 'Bad Name' })))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(h.sup.size).toBe(0);
  });

  for (const op of ['ensureImage', 'create', 'setupNetwork', 'start'] as const) {
    it(`rejects ensure with the ${op} error after rolling back everything`, async () => {
      h = harness();
      h.runtime.failNext(op, { error: { code: 'UNAVAILABLE', message: `${op} broke` } });
      const err = await rejection(h.sup.ensure(request()));
      expect(err).toMatchObject({ code: 'UNAVAILABLE' });
      expect(err.message).toContain(`${op} broke`);
      await until(() => h.sup.size === 0);
      expect(empty(h.runtime)).toEqual(NONE);
    });
  }

  it('destroys the worker and rejects CANCELLED when the caller aborts mid-create', async () => {
    h = harness();
    h.runtime.hang('create', { afterEffect: true });
    const ac = new AbortController();
    const p = h.sup.ensure(request(), { signal: ac.signal });
    await h.runtime.waitForHang('create');
    ac.abort();
    expect(await rejection(p)).toMatchObject({ code: 'CANCELLED' });
    await until(() => h.sup.size === 0);
    // The create had happened in the "daemon"; the release ran after it settled.
    expect(empty(h.runtime)).toEqual(NONE);
  });

  it('rejects DEADLINE_EXCEEDED when the abort reason is a deadline', async () => {
    h = harness();
    h.runtime.hang('setupNetwork', { afterEffect: true });
    const ac = new AbortController();
    const p = h.sup.ensure(request(), { signal: ac.signal });
    await h.runtime.waitForHang('setupNetwork');
    ac.abort(new AgentError('DEADLINE_EXCEEDED', 'deadline exceeded'));
    expect(await rejection(p)).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await until(() => h.sup.size === 0);
    expect(empty(h.runtime)).toEqual(NONE);
  });

  it('pauses and resumes; refuses a second pause with FAILED_PRECONDITION and sends nothing', async () => {
    h = harness();
    const view = await h.sup.ensure(request());
    const w = h.sup.lookup(view.containerId, 'owner-a');
    expect(w.can('resume')).toBe(false);
    await w.command('pause');
    expect(w.view().status).toBe('PAUSED');
    const pausesBefore = h.runtime.snapshotState().calls.pause;
    const err = await rejection(w.command('pause'));
    expect(err).toMatchObject({ code: 'FAILED_PRECONDITION', message: `container ${view.containerId} is paused; only a running container can be paused` });
    expect(h.runtime.snapshotState().calls.pause).toBe(pausesBefore);
    await w.command('resume');
    expect(w.view().status).toBe('RUNNING');
    expect(await rejection(w.command('resume'))).toMatchObject({ code: 'FAILED_PRECONDITION' });
  });

  it('rejects a command with the runtime error it failed with, staying in running', async () => {
    h = harness();
    const view = await h.sup.ensure(request());
    h.runtime.failNext('pause', { error: { code: 'INTERNAL', message: 'freezer stuck' } });
    const w = h.sup.lookup(view.name, 'owner-a');
    expect(await rejection(w.command('pause'))).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('freezer stuck') });
    expect(w.view().state).toBe('running');
  });

  it('routes runtime exit and OOM events to the worker by name (STOPPED)', async () => {
    h = harness();
    const a = await h.sup.ensure(request());
    const b = await h.sup.ensure(request());
    await h.runtime.exit(a.name, 3);
    await h.runtime.oom(b.name);
    expect(h.sup.lookup(a.name, 'owner-a').view()).toMatchObject({ status: 'STOPPED', exitCode: 3 });
    expect(h.sup.lookup(b.name, 'owner-a').context().oomKilled).toBe(true);
    await h.sup.destroy(a.name, 'owner-a');
    expect(h.sup.size).toBe(1);
  });

  it('reports a failed release as INTERNAL and retries it on the next destroy', async () => {
    h = harness();
    const view = await h.sup.ensure(request());
    h.runtime.failNext('remove', { error: { code: 'UNAVAILABLE', message: 'daemon busy' } });
    const err = await rejection(h.sup.destroy(view.name, 'owner-a'));
    expect(err).toMatchObject({ code: 'INTERNAL' });
    expect(err.message).toMatch(/^failed to destroy container: .*daemon busy/);
    expect(h.sup.lookup(view.name, 'owner-a').view()).toMatchObject({ state: 'releaseFailed', status: 'UNKNOWN' });
    await h.sup.destroy(view.name, 'owner-a');
    expect(empty(h.runtime)).toEqual(NONE);
  });

  it('adopts running, paused and stopped containers and destroys them', async () => {
    h = harness();
    const base = { functionName: 'old', image: 'img:1', env: {}, ownerId: 'owner-z', labels: {} };
    await h.runtime.seed({ spec: { ...base, name: 'esb-test-old-00000001' }, status: 'running' });
    await h.runtime.seed({ spec: { ...base, name: 'esb-test-old-00000002' }, status: 'paused' });
    await h.runtime.seed({ spec: { ...base, name: 'esb-test-old-00000003' }, status: 'stopped', exitCode: 1 });
    const views = h.sup.adopt(await h.runtime.list({}));
    expect(views.map((v) => [v.state, v.origin])).toEqual([['running', 'adopted'], ['paused', 'adopted'], ['stopped', 'adopted']]);
    expect(h.sup.adopt(await h.runtime.list({}))).toEqual([]);
    const result = await h.sup.destroyAll();
    expect(result).toEqual({ destroyed: 3, failed: [] });
    expect(empty(h.runtime)).toEqual(NONE);
  });

  it('tells subscribers about added, changed and removed workers', async () => {
    h = harness();
    const changes: SupervisorChange[] = [];
    h.sup.subscribe((c) => changes.push(c));
    const view = await h.sup.ensure(request());
    await h.sup.destroy(view.name, 'owner-a');
    const types = changes.map((c) => c.type);
    expect(types[0]).toBe('added');
    expect(types).toContain('changed');
    expect(types.at(-1)).toBe('removed');
  });

  it('lets one inspect observer see every worker of the system', async () => {
    const events: InspectionEvent[] = [];
    h = harness({ inspect: (e) => events.push(e) });
    const a = await h.sup.ensure(request());
    const b = await h.sup.ensure(request({ functionName: 'other' }));
    const ids = new Set(events.filter((e) => e.type === '@xstate.event').map((e) => (e.actorRef as unknown as { id: string }).id));
    expect(ids).toContain(a.name);
    expect(ids).toContain(b.name);
  });

  it('destroys a worker while its create is still queued or in flight', async () => {
    h = harness();
    h.runtime.hang('start');
    const p = h.sup.ensure(request());
    await h.runtime.waitForHang('start');
    const name = h.sup.all()[0]!.name;
    await h.sup.destroy(name, 'owner-a');
    expect(await rejection(p)).toMatchObject({ code: 'UNAVAILABLE' });
    expect(empty(h.runtime)).toEqual(NONE);
  });

  it('rejects an Ensure still creating with UNAVAILABLE when stopAll stops its worker (shutdown)', async () => {
    h = harness();
    h.runtime.hang('create', { afterEffect: true });
    const p = h.sup.ensure(request());
    await h.runtime.waitForHang('create');
    h.sup.stopAll();
    expect(await rejection(p)).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('shutting down') });
    h.runtime.release('create');
  });

  it('stops every worker actor on stopAll without touching the containers (shutdown that keeps workers)', async () => {
    h = harness();
    const v = await h.sup.ensure(request());
    h.sup.stopAll();
    expect(h.sup.size).toBe(0);
    expect(h.runtime.snapshotState().started).toEqual([v.name]);
    // adopt them back, then clean up for real
    expect(h.sup.adopt(await h.runtime.list({})).map((x) => x.state)).toEqual(['running']);
  });
});
