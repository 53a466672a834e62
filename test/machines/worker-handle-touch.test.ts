/** ActorWorkerHandle.touch: at most one `worker.touch` per second (the wire's unit) that moves lastUsedAt forward. */
import { describe, expect, it } from 'vitest';
import type { Actor } from 'xstate';
import { ActorWorkerHandle, type HandleDeps } from '../../src/machines/worker-handle.js';
import type { WorkerMachine } from '../../src/machines/worker-machine.js';

/** An actor stand-in: a snapshot with `lastUsedAt` and `can`, and the events sent to it. */
function fakeActor(lastUsedAt: number, can = true, createdAt = 1) {
  const sent: unknown[] = [];
  const state = { lastUsedAt };
  const actor = {
    getSnapshot: () => ({ context: { lastUsedAt: state.lastUsedAt, createdAt }, can: () => can }),
    send: (e: { at: number }) => { sent.push(e); state.lastUsedAt = Math.max(state.lastUsedAt, e.at); },
  };
  return { actor: actor as unknown as Actor<WorkerMachine>, sent };
}

function handle(actor: Actor<WorkerMachine>, clock: { t: number }): ActorWorkerHandle {
  const deps: HandleDeps = { now: () => clock.t, newRequestId: () => 'r', metrics: async () => { throw new Error('unused'); }, destroy: async () => undefined };
  return new ActorWorkerHandle('w', actor, deps);
}

describe('ActorWorkerHandle.touch', () => {
  it('sends worker.touch once per second: later touches of that second change no reply', () => {
    const clock = { t: 10_200 };
    const { actor, sent } = fakeActor(9_900);
    const h = handle(actor, clock);
    h.touch();
    clock.t = 10_999;
    h.touch();
    clock.t = 11_000;
    h.touch();
    h.touch();
    expect(sent).toEqual([{ type: 'worker.touch', at: 10_200 }, { type: 'worker.touch', at: 11_000 }]);
  });

  it('always sends the first touch after creation, even in the second the worker was created', () => {
    const { actor, sent } = fakeActor(5_100, true, 5_100);
    const h = handle(actor, { t: 5_400 });
    h.touch();
    h.touch();
    expect(sent).toEqual([{ type: 'worker.touch', at: 5_400 }]);
  });

  it('sends nothing when lastUsedAt is already later than now (the machine would keep it)', () => {
    const { actor, sent } = fakeActor(5000);
    handle(actor, { t: 4000 }).touch();
    expect(sent).toEqual([]);
  });

  it('sends nothing in a state that does not take worker.touch', () => {
    const { actor, sent } = fakeActor(0, false);
    handle(actor, { t: 10 }).touch();
    expect(sent).toEqual([]);
  });
});
