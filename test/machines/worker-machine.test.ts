/** Worker machine behaviour with fake actors: rollback, destroy mid-flight, pause/resume, exits. */
import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { statePath, workerMachine, workerView } from '../../src/machines/worker-machine.js';
import type { WorkerInput } from '../../src/machines/worker-types.js';
import { fakeActors, type FakeScript, type StepName } from './fake-actors.js';
import { ev, input } from './worker-fixtures.js';

function start(script: FakeScript = {}, inp: WorkerInput = input()) {
  const { actors, log } = fakeActors(script);
  const actor = createActor(workerMachine.provide({ actors }), { input: inp });
  actor.start();
  const at = (path: string) => waitFor(actor, (s) => statePath(s.value) === path, { timeout: 10_000 });
  return { actor, log, at, path: () => statePath(actor.getSnapshot().value) };
}

const RELEASES: StepName[] = ['teardownNetwork', 'stopContainer', 'removeContainer'];
const released = (calls: StepName[]) => calls.filter((c) => RELEASES.includes(c));

describe('worker machine', () => {
  it('goes from pulling to running through every create step in order', async () => {
    const w = start();
    await w.at('running');
    expect(w.log.calls).toEqual(['pullImage', 'createContainer', 'setupNetwork', 'startContainer', 'waitReady']);
    const view = workerView(w.actor.getSnapshot());
    expect(view).toMatchObject({ status: 'RUNNING', containerId: 'cid-123', ipAddress: '10.88.0.7', port: 8080 });
    expect(view.pull).toEqual({ doneBytes: 50, totalBytes: 100 });
  });

  const rollbacks: Array<[StepName, StepName[], FakeScript['fail']?]> = [
    ['pullImage', []],
    ['createContainer', ['removeContainer']],
    ['setupNetwork', ['teardownNetwork', 'removeContainer']],
    ['startContainer', ['teardownNetwork', 'stopContainer', 'removeContainer']],
    ['waitReady', ['teardownNetwork', 'stopContainer', 'removeContainer']],
  ];
  for (const [step, expected] of rollbacks) {
    it(`rolls back exactly ${expected.join(', ') || 'nothing'} when ${step} fails, ending in failed`, async () => {
      const w = start({ fail: { [step]: 'UNAVAILABLE' } });
      await w.at('failed');
      expect(released(w.log.calls)).toEqual(expected);
      expect(w.actor.getSnapshot().context.error).toEqual({ code: 'UNAVAILABLE', message: `${step} failed`, step });
      expect(w.actor.getSnapshot().context.held).toEqual({ container: false, network: false, started: false });
      expect(workerView(w.actor.getSnapshot()).status).toBe('STOPPED');
    });
  }

  it('does not remove the container when create fails with ALREADY_EXISTS (the name is not ours)', async () => {
    const w = start({ fail: { createContainer: 'ALREADY_EXISTS' } });
    await w.at('failed');
    expect(released(w.log.calls)).toEqual([]);
  });

  it('rolls back without a network teardown when start fails before netSetup (afterStart)', async () => {
    const w = start({ fail: { startContainer: 'INTERNAL' } }, input({ networkPhase: 'afterStart' }));
    await w.at('failed');
    expect(w.log.calls).toEqual(['pullImage', 'createContainer', 'startContainer', 'stopContainer', 'removeContainer']);
  });

  const inFlight: Array<[StepName, string, StepName[]]> = [
    ['pullImage', 'pulling', []],
    ['createContainer', 'creating', ['removeContainer']],
    ['setupNetwork', 'netSetup', ['teardownNetwork', 'removeContainer']],
    ['startContainer', 'starting', ['teardownNetwork', 'stopContainer', 'removeContainer']],
    ['waitReady', 'readying', ['teardownNetwork', 'stopContainer', 'removeContainer']],
  ];
  for (const [step, state, expected] of inFlight) {
    it(`aborts ${step} and releases what was held when destroyed in ${state}`, async () => {
      const w = start({ hang: [step] });
      await w.at(state);
      await waitFor(w.actor, () => w.log.calls.includes(step));
      w.actor.send(ev.destroy);
      await w.at('destroyed');
      expect(w.log.aborted).toEqual([step]);
      expect(released(w.log.calls)).toEqual(expected);
      expect(w.actor.getSnapshot().context.lastCommand).toEqual({ requestId: 'd1', type: 'destroy', ok: true });
    });
  }

  it('destroys a paused worker: network, stop, remove', async () => {
    const w = start();
    await w.at('running');
    w.actor.send(ev.pause);
    await w.at('paused');
    w.actor.send(ev.destroy);
    await w.at('destroyed');
    expect(released(w.log.calls)).toEqual(RELEASES);
  });

  for (const from of ['running', 'paused'] as const) {
    for (const event of [ev.exited, ev.oom]) {
      it(`goes from ${from} to stopped on ${event.type}`, async () => {
        const w = start();
        await w.at('running');
        if (from === 'paused') { w.actor.send(ev.pause); await w.at('paused'); }
        w.actor.send(event);
        expect(w.path()).toBe('stopped');
        const ctx = w.actor.getSnapshot().context;
        expect(workerView(w.actor.getSnapshot()).status).toBe('STOPPED');
        if (event.type === 'runtime.oom') expect(ctx.oomKilled).toBe(true);
        else expect(ctx.exitCode).toBe(137);
      });
    }
  }

  it('records pause and resume outcomes by requestId; resume touches lastUsedAt', async () => {
    const w = start();
    await w.at('running');
    w.actor.send(ev.pause);
    await w.at('paused');
    expect(w.actor.getSnapshot().context.lastCommand).toEqual({ requestId: 'p1', type: 'pause', ok: true });
    w.actor.send(ev.resume);
    await w.at('running');
    expect(w.actor.getSnapshot().context.lastCommand).toEqual({ requestId: 'r1', type: 'resume', ok: true });
    expect(w.actor.getSnapshot().context.lastUsedAt).toBe(6000);
  });

  it('returns to running with the error when pause fails, and stays paused when resume fails', async () => {
    const w = start({ fail: { pauseContainer: 'INTERNAL', resumeContainer: 'UNAVAILABLE' } });
    await w.at('running');
    w.actor.send(ev.pause);
    await waitFor(w.actor, (s) => s.context.lastCommand?.requestId === 'p1');
    expect(w.path()).toBe('running');
    expect(w.actor.getSnapshot().context.lastCommand).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    w.actor.send({ ...ev.pause, requestId: 'p2' });
    await w.at('paused');
    w.actor.send(ev.resume);
    await waitFor(w.actor, (s) => s.context.lastCommand?.requestId === 'r1');
    expect(w.path()).toBe('paused');
    expect(w.actor.getSnapshot().context.lastCommand).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });

  it('marks an interrupted pause as failed when destroyed mid-pause', async () => {
    const w = start({ hang: ['pauseContainer'] });
    await w.at('running');
    w.actor.send(ev.pause);
    w.actor.send(ev.destroy);
    await w.at('destroyed');
    expect(w.log.aborted).toEqual(['pauseContainer']);
  });

  it('stops in releaseFailed when a release fails, and retries on a second destroy', async () => {
    const w = start({ fail: { stopContainer: 'UNAVAILABLE' } });
    await w.at('running');
    w.actor.send(ev.destroy);
    await w.at('releaseFailed');
    const snap = w.actor.getSnapshot();
    expect(snap.context.releaseError).toMatchObject({ code: 'UNAVAILABLE', step: 'stopContainer' });
    expect(snap.context.held).toEqual({ container: true, network: false, started: true });
    expect(workerView(snap).status).toBe('UNKNOWN');
    w.actor.send({ ...ev.destroy, requestId: 'd2' });
    await w.at('destroyed');
    expect(released(w.log.calls)).toEqual(['teardownNetwork', 'stopContainer', 'stopContainer', 'removeContainer']);
  });

  it('ignores touch outside running/paused and keeps the latest time inside', async () => {
    const w = start();
    await w.at('running');
    w.actor.send(ev.touch);
    w.actor.send({ type: 'worker.touch', at: 10 });
    expect(w.actor.getSnapshot().context.lastUsedAt).toBe(7000);
  });
});
