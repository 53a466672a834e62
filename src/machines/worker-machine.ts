/**
 * The worker machine: one XState v5 actor per worker container. Pure: it imports only xstate and
 * our types. Every side effect runs in the invoked actor `steps` (named in `setup({ actors })`
 * as a placeholder that throws "steps not provided", supplied by `workerMachine.provide()` at the
 * composition root), invoked once for the worker's whole life. Each step state asks it to run
 * its step on entry (`step.run`, a {@link StepCommand}) and leaves on the outcome it sends back:
 * `step.done.<step>` (with `output`) or `step.failed.<step>` (with `error` as data). Events of
 * another step are not handled, so a late outcome can never be taken for the current step's.
 * Times come only from events/input (`at`, `createdAt`), never from a clock.
 *
 * Contract (full table in docs/state-machines.md):
 * - Create path: pulling → creating → (netSetup → starting | starting → netSetup, per
 *   `input.networkPhase`) → readying → running. Adopted workers start in running/paused/stopped.
 *   With `input.readiness === false` (no readiness check configured) `readying` is skipped: the
 *   last create step goes straight to running, without running a `waitReady` that has no work.
 * - A resource is marked held (`held.container/network/started`) when the step that makes it is
 *   ENTERED, since a step aborted or failed mid-flight may still have created it. Releasing is
 *   idempotent (not found = done), so over-approximating is safe; under-approximating would leak.
 * - Any create-step failure → `rollback` (teardown network → stop → remove, only what is held)
 *   → final `failed`, with the error kept in `context.error` as data.
 * - `worker.destroy` is accepted in every non-final state. Leaving a step state early cancels its
 *   step (`cancelStep`; a new `step.run` also supersedes it), which aborts the step's signal; the
 *   runtime steps serialise calls per worker so the release calls run after the aborted step has
 *   settled. → `destroying` (same release sequence) → final `destroyed`. In
 *   `destroying`/`rollback` a destroy is only recorded. A final state stops `steps`.
 * - A failed release → `releaseFailed` (not final; error in `context.releaseError`), which
 *   accepts `worker.destroy` to retry.
 * - `worker.pause` only in running, `worker.resume` only in paused (the handler asks
 *   `snapshot.can()`); the outcome is written to `context.lastCommand`. A failed pause returns to
 *   running, a failed resume stays paused. Resume also updates lastUsedAt (contract 1.3).
 * - `runtime.exited`/`runtime.oom` in running/pausing/paused/resuming → `stopped` (List: STOPPED).
 */
import { and, assign, fromCallback, sendTo, setup, type SnapshotFrom } from 'xstate';
import {
  commandResult, destroyOutcome, errorOf, exitedEarly, initialContext, interrupted, stepCommand,
} from './worker-context.js';
import { releaseStates } from './worker-release.js';
import type {
  StepCommand, StepName, WorkerContext, WorkerEvent, WorkerInput,
} from './worker-types.js';

export type {
  CreateInput, NameInput, PullInput, ReadyInput, StepCommand, StepName, StopInput,
} from './worker-types.js';

const toDestroying = { target: '#worker.destroying', actions: 'recordDestroy' } as const;
/** Leaving a state whose step is in flight: the step is cancelled (its signal aborts). */
const interruptToDestroying = { target: '#worker.destroying', actions: ['cancelStep', 'recordDestroy'] } as const;
/** A worker process that exits before it is ready fails the create: roll back. */
const exitBeforeReady = {
  target: '#worker.rollback',
  actions: ['cancelStep', 'recordExit', 'failExitedEarly'],
} as const;
/** Exit/OOM on its own → stopped; `first` runs before (e.g. cancelling a step in flight). */
const stoppedOn = <const A extends readonly string[]>(...first: A) => ({
  'runtime.exited': { target: '#worker.stopped', actions: [...first, 'interruptCommand', 'recordExit'] },
  'runtime.oom': { target: '#worker.stopped', actions: [...first, 'interruptCommand', 'recordOom'] },
} as const);
const toStopped = stoppedOn();
/** What `pausing` and `resuming` accept besides their step's outcome (a pause/resume is in flight). */
const commandInFlight = {
  'worker.touch': { actions: 'touch' },
  'worker.destroy': { target: '#worker.destroying', actions: ['cancelStep', 'interruptCommand', 'recordDestroy'] },
  ...stoppedOn('cancelStep'),
} as const;
/** The entry action that asks the `steps` actor to run `step`. */
const run = (step: StepName) => ({ type: 'runStep', params: step } as const);

/** The pure worker machine. Provide its `steps` actor with `workerMachine.provide({ actors: { steps } })`. */
export const workerMachine = setup({
  types: {
    context: {} as WorkerContext,
    events: {} as WorkerEvent,
    input: {} as WorkerInput,
  },
  actors: {
    /** Runs the worker's side-effecting steps (see {@link StepCommand}); supplied at the composition root. */
    steps: fromCallback<StepCommand>(() => {
      throw new Error('steps not provided');
    }),
  },
  guards: {
    netFirst: ({ context }) => context.networkPhase === 'beforeStart',
    skipReady: ({ context }) => context.skipReady === true,
    adoptedAs: ({ context }, status: string) => context.origin === 'adopted' && context.adoptedStatus === status,
    holdingNetwork: ({ context }) => context.held.network,
    started: ({ context }) => context.held.started,
    holdingContainer: ({ context }) => context.held.container,
    nameTaken: ({ event }) => 'error' in event && event.error.code === 'ALREADY_EXISTS',
  },
  actions: {
    runStep: sendTo('steps', ({ context }, step: StepName): StepCommand => stepCommand(step, context)),
    cancelStep: sendTo('steps', { type: 'step.cancel' } satisfies StepCommand),
    fail: assign(({ event }, step: StepName) => ({ error: errorOf(event, step) })),
    releaseFail: assign(({ event }, step: StepName) => ({ releaseError: errorOf(event, step) })),
    holdContainer: assign({ held: ({ context }) => ({ ...context.held, container: true }) }),
    holdNetwork: assign({ held: ({ context }) => ({ ...context.held, network: true }) }),
    holdStarted: assign({ held: ({ context }) => ({ ...context.held, started: true }) }),
    releasedNetwork: assign({ held: ({ context }) => ({ ...context.held, network: false }) }),
    releasedStarted: assign({ held: ({ context }) => ({ ...context.held, started: false }) }),
    releasedContainer: assign({ held: ({ context }) => ({ ...context.held, container: false }) }),
    setContainerId: assign({ containerId: ({ event }) => (event.type === 'step.done.createContainer' ? event.output.containerId : '') }),
    setIpAddress: assign({ ipAddress: ({ event }) => (event.type === 'step.done.setupNetwork' ? event.output.ipAddress : '') }),
    setPullProgress: assign({
      pull: ({ context, event }) => (event.type === 'pull.progress' ? { doneBytes: event.doneBytes, totalBytes: event.totalBytes } : context.pull),
    }),
    recordDestroy: assign({
      destroyRequests: ({ context, event }) =>
        event.type === 'worker.destroy' ? [...context.destroyRequests, event.requestId] : context.destroyRequests,
    }),
    failExitedEarly: assign({ error: ({ event }) => exitedEarly(event.type === 'runtime.exited' ? event.exitCode : -1) }),
    interruptCommand: assign(({ context, event }) => interrupted(context, event.type)),
    recordExit: assign(({ context, event }) =>
      event.type === 'runtime.exited' ? { exitCode: event.exitCode, exitedAt: event.at } : { exitedAt: context.exitedAt }),
    recordOom: assign(({ context, event }) =>
      event.type === 'runtime.oom' ? { oomKilled: true, exitedAt: context.exitedAt ?? event.at } : {}),
    touch: assign({ lastUsedAt: ({ context, event }) => ('at' in event ? Math.max(context.lastUsedAt, event.at) : context.lastUsedAt) }),
    beginCommand: assign({
      pendingCommand: ({ event }) =>
        event.type === 'worker.pause' || event.type === 'worker.resume'
          ? { requestId: event.requestId, type: event.type === 'worker.pause' ? 'pause' as const : 'resume' as const, at: event.at }
          : undefined,
    }),
    touchResumed: assign({
      lastUsedAt: ({ context }) => Math.max(context.lastUsedAt, context.pendingCommand?.at ?? 0),
    }),
    commandOk: assign(({ context }) => ({
      lastCommand: context.pendingCommand && commandResult(context.pendingCommand, true),
      pendingCommand: undefined,
    })),
    commandFailed: assign(({ context, event }) => {
      const step = context.pendingCommand?.type === 'resume' ? 'resumeContainer' : 'pauseContainer';
      const error = errorOf(event, step);
      return { lastCommand: context.pendingCommand && commandResult(context.pendingCommand, false, error), pendingCommand: undefined };
    }),
    destroyDone: assign(({ context }) => ({
      lastCommand: destroyOutcome(context, true),
      releaseError: undefined,
    })),
    destroyFailed: assign(({ context }) => ({ lastCommand: destroyOutcome(context, false, context.releaseError) })),
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) => initialContext(input),
  // One `steps` actor for the worker's whole life: each step state asks it to run its step on entry.
  invoke: { src: 'steps', id: 'steps' },
  initial: 'init',
  states: {
    /** Transient: picks the first real state from the input. */
    init: {
      always: [
        { guard: { type: 'adoptedAs', params: 'RUNNING' }, target: 'running' },
        { guard: { type: 'adoptedAs', params: 'PAUSED' }, target: 'paused' },
        { guard: ({ context }) => context.origin === 'adopted', target: 'stopped' },
        { target: 'pulling' },
      ],
    },
    pulling: {
      entry: run('pullImage'),
      on: {
        'pull.progress': { actions: 'setPullProgress' },
        'step.done.pullImage': { target: 'creating' },
        'step.failed.pullImage': { target: 'rollback', actions: { type: 'fail', params: 'pullImage' } },
        'worker.destroy': interruptToDestroying,
      },
    },
    creating: {
      entry: ['holdContainer', run('createContainer')],
      on: {
        'step.done.createContainer': [
          { guard: 'netFirst', target: 'netSetup', actions: 'setContainerId' },
          { target: 'starting', actions: 'setContainerId' },
        ],
        'step.failed.createContainer': [
          // ALREADY_EXISTS: the name is someone else's container, which rollback must not remove.
          { guard: 'nameTaken', target: 'rollback', actions: [{ type: 'fail', params: 'createContainer' }, 'releasedContainer'] },
          { target: 'rollback', actions: { type: 'fail', params: 'createContainer' } },
        ],
        'worker.destroy': interruptToDestroying,
      },
    },
    netSetup: {
      entry: ['holdNetwork', run('setupNetwork')],
      on: {
        'step.done.setupNetwork': [
          { guard: 'netFirst', target: 'starting', actions: 'setIpAddress' },
          { guard: 'skipReady', target: 'running', actions: 'setIpAddress' },
          { target: 'readying', actions: 'setIpAddress' },
        ],
        'step.failed.setupNetwork': { target: 'rollback', actions: { type: 'fail', params: 'setupNetwork' } },
        'worker.destroy': interruptToDestroying,
        // With networkPhase 'afterStart' the process already runs here and may exit.
        'runtime.exited': exitBeforeReady,
      },
    },
    starting: {
      entry: ['holdStarted', run('startContainer')],
      on: {
        'step.done.startContainer': [
          { guard: and(['netFirst', 'skipReady']), target: 'running' },
          { guard: 'netFirst', target: 'readying' },
          { target: 'netSetup' },
        ],
        'step.failed.startContainer': { target: 'rollback', actions: { type: 'fail', params: 'startContainer' } },
        'worker.destroy': interruptToDestroying,
        'runtime.exited': exitBeforeReady,
      },
    },
    readying: {
      entry: run('waitReady'),
      on: {
        'step.done.waitReady': { target: 'running' },
        'step.failed.waitReady': { target: 'rollback', actions: { type: 'fail', params: 'waitReady' } },
        'worker.destroy': interruptToDestroying,
        'runtime.exited': exitBeforeReady,
      },
    },
    running: {
      on: {
        'worker.pause': { target: 'pausing', actions: 'beginCommand' },
        'worker.touch': { actions: 'touch' },
        'worker.destroy': toDestroying,
        ...toStopped,
      },
    },
    pausing: {
      entry: run('pauseContainer'),
      on: {
        'step.done.pauseContainer': { target: 'paused', actions: 'commandOk' },
        'step.failed.pauseContainer': { target: 'running', actions: 'commandFailed' },
        ...commandInFlight,
      },
    },
    paused: {
      on: {
        'worker.resume': { target: 'resuming', actions: 'beginCommand' },
        'worker.touch': { actions: 'touch' },
        'worker.destroy': toDestroying,
        ...toStopped,
      },
    },
    resuming: {
      entry: run('resumeContainer'),
      on: {
        'step.done.resumeContainer': { target: 'running', actions: ['touchResumed', 'commandOk'] },
        'step.failed.resumeContainer': { target: 'paused', actions: 'commandFailed' },
        ...commandInFlight,
      },
    },
    stopped: {
      on: {
        'worker.destroy': toDestroying,
        'runtime.exited': { actions: 'recordExit' },
        'runtime.oom': { actions: 'recordOom' },
      },
    },
    destroying: {
      ...releaseStates('#worker.destroyed'),
      on: { 'worker.destroy': { actions: 'recordDestroy' } },
    },
    rollback: {
      ...releaseStates('#worker.failed'),
      on: { 'worker.destroy': { actions: 'recordDestroy' } },
    },
    releaseFailed: {
      entry: 'destroyFailed',
      on: { 'worker.destroy': toDestroying },
    },
    destroyed: { type: 'final', entry: 'destroyDone' },
    failed: { type: 'final' },
  },
});

/** The worker machine's type (for `provide()` and snapshots). */
export type WorkerMachine = typeof workerMachine;
/** A worker actor's snapshot. */
export type WorkerSnapshot = SnapshotFrom<WorkerMachine>;

export { workerView, statePath, statusOf } from './worker-view.js';
