/**
 * The worker machine: one XState v5 actor per worker container. Pure: it imports only xstate and
 * our types; every side effect is an invoked actor named in `setup({ actors })` (each a
 * placeholder that throws "<name> not provided") and supplied by `workerMachine.provide()` at the
 * composition root. Times come only from events/input (`at`, `createdAt`), never from a clock.
 *
 * Contract (full table in docs/state-machines.md):
 * - Create path: pulling → creating → (netSetup → starting | starting → netSetup, per
 *   `input.networkPhase`) → readying → running. Adopted workers start in running/paused/stopped.
 *   With `input.readiness === false` (no readiness check configured) `readying` is skipped: the
 *   last create step goes straight to running, without invoking a `waitReady` that has no work.
 * - A resource is marked held (`held.container/network/started`) when the step that makes it is
 *   ENTERED, since a step aborted or failed mid-flight may still have created it. Releasing is
 *   idempotent (not found = done), so over-approximating is safe; under-approximating would leak.
 * - Any create-step failure → `rollback` (teardown network → stop → remove, only what is held)
 *   → final `failed`, with the error kept in `context.error` as data.
 * - `worker.destroy` is accepted in every non-final state. Leaving a state stops its invoked actor,
 *   which aborts the actor's signal; the runtime actors serialise calls per worker so the release
 *   calls run after the aborted step has settled. → `destroying` (same release sequence) →
 *   final `destroyed`. In `destroying`/`rollback` a destroy is only recorded.
 * - A failed release → `releaseFailed` (not final; error in `context.releaseError`), which
 *   accepts `worker.destroy` to retry.
 * - `worker.pause` only in running, `worker.resume` only in paused (the handler asks
 *   `snapshot.can()`); the outcome is written to `context.lastCommand`. A failed pause returns to
 *   running, a failed resume stays paused. Resume also updates lastUsedAt (contract 1.3).
 * - `runtime.exited`/`runtime.oom` in running/pausing/paused/resuming → `stopped` (List: STOPPED).
 */
import { and, assign, fromCallback, fromPromise, setup, type SnapshotFrom } from 'xstate';
import type { CreatedContainer, NetworkAttachment } from '../runtime/container-runtime.js';
import {
  commandResult, destroyOutcome, errorOf, exitedEarly, initialContext, interrupted, toErrorData,
} from './worker-context.js';
import { nameOf, releaseStates } from './worker-release.js';
import type {
  CreateInput, NameInput, PullInput, ReadyInput, StopInput, WorkerContext, WorkerEvent, WorkerInput, WorkerPullEvent,
} from './worker-types.js';

export type { CreateInput, NameInput, PullInput, ReadyInput, StopInput } from './worker-types.js';

function missing(name: string): never {
  throw new Error(`${name} not provided`);
}
const notProvided = <TOut, TIn>(name: string) => fromPromise<TOut, TIn>(async () => missing(name));

const toDestroying = { target: '#worker.destroying', actions: 'recordDestroy' } as const;
/** A worker process that exits before it is ready fails the create: roll back. */
const exitBeforeReady = {
  target: '#worker.rollback',
  actions: ['recordExit', 'failExitedEarly'],
} as const;
const toStopped = {
  'runtime.exited': { target: '#worker.stopped', actions: ['interruptCommand', 'recordExit'] },
  'runtime.oom': { target: '#worker.stopped', actions: ['interruptCommand', 'recordOom'] },
} as const;

/** The pure worker machine. Provide its actors with `workerMachine.provide({ actors })`. */
export const workerMachine = setup({
  types: {
    context: {} as WorkerContext,
    events: {} as WorkerEvent,
    input: {} as WorkerInput,
  },
  actors: {
    pullImage: fromCallback<WorkerEvent, PullInput, WorkerPullEvent>(() => missing('pullImage')),
    createContainer: notProvided<CreatedContainer, CreateInput>('createContainer'),
    setupNetwork: notProvided<NetworkAttachment, NameInput>('setupNetwork'),
    startContainer: notProvided<void, NameInput>('startContainer'),
    waitReady: notProvided<void, ReadyInput>('waitReady'),
    pauseContainer: notProvided<void, NameInput>('pauseContainer'),
    resumeContainer: notProvided<void, NameInput>('resumeContainer'),
    teardownNetwork: notProvided<void, NameInput>('teardownNetwork'),
    stopContainer: notProvided<void, StopInput>('stopContainer'),
    removeContainer: notProvided<void, NameInput>('removeContainer'),
  },
  guards: {
    netFirst: ({ context }) => context.networkPhase === 'beforeStart',
    skipReady: ({ context }) => context.skipReady === true,
    adoptedAs: ({ context }, status: string) => context.origin === 'adopted' && context.adoptedStatus === status,
    notHoldingNetwork: ({ context }) => !context.held.network,
    notStarted: ({ context }) => !context.held.started,
    notHoldingContainer: ({ context }) => !context.held.container,
  },
  actions: {
    fail: assign(({ event }, step: string) => ({ error: errorOf(event, step) })),
    releaseFail: assign(({ event }, step: string) => ({ releaseError: errorOf(event, step) })),
    holdContainer: assign({ held: ({ context }) => ({ ...context.held, container: true }) }),
    holdNetwork: assign({ held: ({ context }) => ({ ...context.held, network: true }) }),
    holdStarted: assign({ held: ({ context }) => ({ ...context.held, started: true }) }),
    releasedNetwork: assign({ held: ({ context }) => ({ ...context.held, network: false }) }),
    releasedStarted: assign({ held: ({ context }) => ({ ...context.held, started: false }) }),
    releasedContainer: assign({ held: ({ context }) => ({ ...context.held, container: false }) }),
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
      invoke: {
        src: 'pullImage', id: 'pullImage',
        input: ({ context }) => ({ image: context.spec.image, name: context.spec.name }),
        // A callback actor has no onDone; it ends with pull.done / pull.failed, or throws.
        onError: { target: 'rollback', actions: { type: 'fail', params: 'pullImage' } },
      },
      on: {
        'pull.progress': { actions: assign({ pull: ({ event }) => ({ doneBytes: event.doneBytes, totalBytes: event.totalBytes }) }) },
        'pull.done': { target: 'creating' },
        'pull.failed': { target: 'rollback', actions: assign({ error: ({ event }) => toErrorData(event.error, 'pullImage') }) },
        'worker.destroy': toDestroying,
      },
    },
    creating: {
      entry: 'holdContainer',
      invoke: {
        src: 'createContainer', id: 'createContainer', input: ({ context }) => ({ spec: context.spec }),
        onDone: [
          { guard: 'netFirst', target: 'netSetup', actions: assign({ containerId: ({ event }) => event.output.containerId }) },
          { target: 'starting', actions: assign({ containerId: ({ event }) => event.output.containerId }) },
        ],
        onError: [
          // ALREADY_EXISTS: the name is someone else's container, which rollback must not remove.
          {
            guard: ({ event }) => toErrorData(event.error, 'createContainer').code === 'ALREADY_EXISTS',
            target: 'rollback',
            actions: [{ type: 'fail', params: 'createContainer' }, 'releasedContainer'],
          },
          { target: 'rollback', actions: { type: 'fail', params: 'createContainer' } },
        ],
      },
      on: { 'worker.destroy': toDestroying },
    },
    netSetup: {
      entry: 'holdNetwork',
      invoke: {
        src: 'setupNetwork', id: 'setupNetwork', input: nameOf,
        onDone: [
          { guard: 'netFirst', target: 'starting', actions: assign({ ipAddress: ({ event }) => event.output.ipAddress }) },
          { guard: 'skipReady', target: 'running', actions: assign({ ipAddress: ({ event }) => event.output.ipAddress }) },
          { target: 'readying', actions: assign({ ipAddress: ({ event }) => event.output.ipAddress }) },
        ],
        onError: { target: 'rollback', actions: { type: 'fail', params: 'setupNetwork' } },
      },
      // With networkPhase 'afterStart' the process already runs here and may exit.
      on: { 'worker.destroy': toDestroying, 'runtime.exited': exitBeforeReady },
    },
    starting: {
      entry: 'holdStarted',
      invoke: {
        src: 'startContainer', id: 'startContainer', input: nameOf,
        onDone: [
          { guard: and(['netFirst', 'skipReady']), target: 'running' },
          { guard: 'netFirst', target: 'readying' },
          { target: 'netSetup' },
        ],
        onError: { target: 'rollback', actions: { type: 'fail', params: 'startContainer' } },
      },
      on: { 'worker.destroy': toDestroying, 'runtime.exited': exitBeforeReady },
    },
    readying: {
      invoke: {
        src: 'waitReady', id: 'waitReady',
        input: ({ context }) => ({ name: context.spec.name, ipAddress: context.ipAddress, port: context.port }),
        onDone: { target: 'running' },
        onError: { target: 'rollback', actions: { type: 'fail', params: 'waitReady' } },
      },
      on: {
        'worker.destroy': toDestroying,
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
      invoke: {
        src: 'pauseContainer', id: 'pauseContainer', input: nameOf,
        onDone: { target: 'paused', actions: 'commandOk' },
        onError: { target: 'running', actions: 'commandFailed' },
      },
      on: {
        'worker.touch': { actions: 'touch' },
        'worker.destroy': { target: '#worker.destroying', actions: ['interruptCommand', 'recordDestroy'] },
        ...toStopped,
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
      invoke: {
        src: 'resumeContainer', id: 'resumeContainer', input: nameOf,
        onDone: { target: 'running', actions: ['touchResumed', 'commandOk'] },
        onError: { target: 'paused', actions: 'commandFailed' },
      },
      on: {
        'worker.touch': { actions: 'touch' },
        'worker.destroy': { target: '#worker.destroying', actions: ['interruptCommand', 'recordDestroy'] },
        ...toStopped,
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
