/** Shared inputs and reach-paths for worker machine tests. */
import { initialTransition, transition } from 'xstate';
import { workerMachine } from '../../src/machines/worker-machine.js';
import type { WorkerEvent, WorkerInput } from '../../src/machines/worker-types.js';
import type { WorkerSpec } from '../../src/runtime/container-runtime.js';

export const spec: WorkerSpec = {
  name: 'esb-test-fn-0000abcd',
  functionName: 'fn',
  image: '127.0.0.1:5000/esb/echo:latest',
  env: {},
  ownerId: 'owner-a',
  labels: {},
};

export function input(over: Partial<WorkerInput> = {}): WorkerInput {
  return { spec, networkPhase: 'beforeStart', stopGraceMs: 100, createdAt: 1000, origin: 'created', ...over };
}

/** Any event the pure `transition` accepts (worker events, step outcomes included, or anything else). */
export type AnyWorkerEvent = WorkerEvent | { type: string; [k: string]: unknown };

export const done = (step: string, output?: unknown): AnyWorkerEvent => ({ type: `step.done.${step}`, output });
export const fail = (step: string, message = `${step} failed`): AnyWorkerEvent =>
  ({ type: `step.failed.${step}`, error: { code: 'INTERNAL', message } });

export const ev = {
  destroy: { type: 'worker.destroy', requestId: 'd1', at: 5000 },
  pause: { type: 'worker.pause', requestId: 'p1', at: 5000 },
  resume: { type: 'worker.resume', requestId: 'r1', at: 6000 },
  touch: { type: 'worker.touch', at: 7000 },
  exited: { type: 'runtime.exited', exitCode: 137, at: 8000 },
  oom: { type: 'runtime.oom', at: 8000 },
  progress: { type: 'pull.progress', doneBytes: 10, totalBytes: 100 },
  pullDone: { type: 'step.done.pullImage', output: { pulled: true } },
  pullFailed: { type: 'step.failed.pullImage', error: { code: 'NOT_FOUND', message: 'no such image' } },
} satisfies Record<string, WorkerEvent>;

/** Folds events from the initial state (pure). */
export function reach(events: AnyWorkerEvent[], inp: WorkerInput = input()) {
  let [snap] = initialTransition(workerMachine, inp);
  for (const e of events) [snap] = transition(workerMachine, snap, e as WorkerEvent);
  return snap;
}

const toRunning = [ev.pullDone, done('createContainer', { containerId: 'cid-1' }), done('setupNetwork', { ipAddress: '10.0.0.2' }), done('startContainer'), done('waitReady')];

/** Event paths (beforeStart) reaching each state. */
export const paths: Record<string, AnyWorkerEvent[]> = {
  pulling: [],
  creating: toRunning.slice(0, 1),
  netSetup: toRunning.slice(0, 2),
  starting: toRunning.slice(0, 3),
  readying: toRunning.slice(0, 4),
  running: toRunning,
  pausing: [...toRunning, ev.pause],
  paused: [...toRunning, ev.pause, done('pauseContainer')],
  resuming: [...toRunning, ev.pause, done('pauseContainer'), ev.resume],
  stopped: [...toRunning, ev.exited],
  'destroying.network': [...toRunning, ev.destroy],
  'destroying.stopping': [...toRunning, ev.destroy, done('teardownNetwork')],
  'destroying.removing': [...toRunning, ev.destroy, done('teardownNetwork'), done('stopContainer')],
  'rollback.network': [...toRunning.slice(0, 4), fail('waitReady')],
  releaseFailed: [...toRunning, ev.destroy, fail('teardownNetwork')],
  destroyed: [...toRunning, ev.destroy, done('teardownNetwork'), done('stopContainer'), done('removeContainer')],
  failed: [ev.pullFailed],
};
