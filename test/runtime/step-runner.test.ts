/** The worker's `steps` actor: one step at a time, supersede/cancel/stop abort, outcomes as events. */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, fromCallback, type AnyActorRef } from 'xstate';
import { AgentError } from '../../src/errors.js';
import type { StepCommand } from '../../src/machines/worker-types.js';
import { fromSteps, type StepContext, type StepFunctions } from '../../src/runtime/step-runner.js';

type Deferred = { resolve(v?: unknown): void; reject(e: unknown): void; ctx: StepContext };

/** Step functions that wait until the test settles them; every call is kept, in order. */
function manualSteps() {
  const calls: Array<Deferred & { step: string; input: unknown }> = [];
  const fn = (step: string) => (input: unknown, ctx: StepContext) => new Promise<never>((resolve, reject) => {
    calls.push({ step, input, ctx, resolve: resolve as (v?: unknown) => void, reject });
  });
  const steps = Object.fromEntries([
    'pullImage', 'createContainer', 'setupNetwork', 'startContainer', 'waitReady',
    'pauseContainer', 'resumeContainer', 'teardownNetwork', 'stopContainer', 'removeContainer',
  ].map((s) => [s, fn(s)])) as unknown as StepFunctions;
  return { steps, calls };
}

let stopParent: (() => void) | undefined;
afterEach(() => stopParent?.());

/** A parent that records what the steps actor sends back, and the steps actor under it. */
function start(steps: StepFunctions) {
  const received: Array<{ type: string; [k: string]: unknown }> = [];
  const parent = createActor(fromCallback(({ receive }) => { receive((e) => { received.push(e); }); }));
  parent.start();
  const child = createActor(fromSteps(steps), { parent } as never) as unknown as AnyActorRef;
  child.start();
  // What the worker's stop does to its child (Actor.stop() refuses actors with a parent).
  const stopChild = () => (child as unknown as { _stop(): void })._stop();
  stopParent = () => { stopChild(); parent.stop(); };
  const send = (cmd: StepCommand) => child.send(cmd);
  const settled = () => new Promise((r) => setTimeout(r, 0));
  return { received, stopChild, send, settled };
}

describe('fromSteps', () => {
  it('runs a step with its input and sends back step.done.<step> with the output', async () => {
    const { steps, calls } = manualSteps();
    const t = start(steps);
    t.send({ type: 'step.run', step: 'createContainer', input: { spec: { name: 'w' } as never } });
    expect(calls.map((c) => [c.step, c.input])).toEqual([['createContainer', { spec: { name: 'w' } }]]);
    calls[0]!.resolve({ containerId: 'cid' });
    await t.settled();
    expect(t.received).toEqual([{ type: 'step.done.createContainer', output: { containerId: 'cid' } }]);
  });

  it('sends step.failed.<step> with JSON-safe error data, also for a synchronous throw', async () => {
    const { steps, calls } = manualSteps();
    steps.startContainer = () => { throw new AgentError('UNAVAILABLE', 'daemon gone', { step: 'start' }); };
    const t = start(steps);
    t.send({ type: 'step.run', step: 'setupNetwork', input: { name: 'w' } });
    calls[0]!.reject(new Error('no lease'));
    await t.settled();
    t.send({ type: 'step.run', step: 'startContainer', input: { name: 'w' } });
    await t.settled();
    expect(t.received).toEqual([
      { type: 'step.failed.setupNetwork', error: { code: 'INTERNAL', message: 'no lease', step: 'setupNetwork' } },
      { type: 'step.failed.startContainer', error: { code: 'UNAVAILABLE', message: 'daemon gone', step: 'start' } },
    ]);
  });

  it('supersedes the step in flight: its signal aborts and its outcome is dropped', async () => {
    const { steps, calls } = manualSteps();
    const t = start(steps);
    t.send({ type: 'step.run', step: 'createContainer', input: { spec: { name: 'w' } as never } });
    const first = calls[0]!;
    t.send({ type: 'step.run', step: 'removeContainer', input: { name: 'w' } });
    expect(first.ctx.signal.aborted).toBe(true);
    const second = calls[1]!;
    expect(second.ctx.signal.aborted).toBe(false);
    first.resolve({ containerId: 'late' });
    first.ctx.report({ type: 'pull.progress', doneBytes: 1, totalBytes: 2 });
    second.resolve();
    await t.settled();
    expect(t.received).toEqual([{ type: 'step.done.removeContainer', output: undefined }]);
  });

  it('reuses an un-aborted signal for the next step, and gives a fresh one after an abort', async () => {
    const { steps, calls } = manualSteps();
    const t = start(steps);
    t.send({ type: 'step.run', step: 'teardownNetwork', input: { name: 'w' } });
    calls[0]!.resolve();
    await t.settled();
    t.send({ type: 'step.run', step: 'stopContainer', input: { name: 'w', graceMs: 1 } });
    expect(calls[1]!.ctx.signal).toBe(calls[0]!.ctx.signal);
    t.send({ type: 'step.cancel' });
    expect(calls[1]!.ctx.signal.aborted).toBe(true);
    t.send({ type: 'step.run', step: 'removeContainer', input: { name: 'w' } });
    expect(calls[2]!.ctx.signal.aborted).toBe(false);
    expect(calls[2]!.ctx.signal).not.toBe(calls[1]!.ctx.signal);
  });

  it('cancel aborts the step in flight without an outcome; cancel with nothing in flight is a no-op', async () => {
    const { steps, calls } = manualSteps();
    const t = start(steps);
    t.send({ type: 'step.cancel' });
    t.send({ type: 'step.run', step: 'pauseContainer', input: { name: 'w' } });
    t.send({ type: 'step.cancel' });
    expect(calls[0]!.ctx.signal.aborted).toBe(true);
    calls[0]!.reject(new AgentError('CANCELLED', 'aborted'));
    await t.settled();
    expect(t.received).toEqual([]);
  });

  it('stopping the actor aborts the step in flight and drops its outcome', async () => {
    const { steps, calls } = manualSteps();
    const t = start(steps);
    t.send({ type: 'step.run', step: 'pullImage', input: { image: 'img', name: 'w' } });
    t.stopChild();
    expect(calls[0]!.ctx.signal.aborted).toBe(true);
    calls[0]!.resolve({ pulled: true });
    await t.settled();
    expect(t.received).toEqual([]);
  });

  it('passes progress reports of the current step to the parent', async () => {
    const { steps, calls } = manualSteps();
    const t = start(steps);
    t.send({ type: 'step.run', step: 'pullImage', input: { image: 'img', name: 'w' } });
    calls[0]!.ctx.report({ type: 'pull.progress', doneBytes: 5, totalBytes: 10 });
    calls[0]!.resolve({ pulled: true });
    await t.settled();
    calls[0]!.ctx.report({ type: 'pull.progress', doneBytes: 10, totalBytes: 10 });
    expect(t.received).toEqual([
      { type: 'pull.progress', doneBytes: 5, totalBytes: 10 },
      { type: 'step.done.pullImage', output: { pulled: true } },
    ]);
  });
});
