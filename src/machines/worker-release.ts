/**
 * The release sequence shared by the worker machine's `destroying` and `rollback` states:
 * teardown network → stop (SIGTERM, grace, SIGKILL inside the adapter) → remove, each sub-state
 * skipped (`always`) when its resource is not held, so exactly what is held is released.
 * A failed release goes to `#worker.releaseFailed`. Pure config (guards/actions by name).
 */
import type { NameInput, StopInput, WorkerContext } from './worker-types.js';

/** Input of the steps that only need the worker's name. */
export const nameOf = ({ context }: { context: WorkerContext }): NameInput => ({ name: context.spec.name });

/** The release sub-states; `done` is the target after the last one (`#worker.destroyed` / `#worker.failed`). */
export function releaseStates(done: string) {
  return {
    initial: 'network',
    states: {
      network: {
        always: { guard: 'notHoldingNetwork', target: 'stopping' },
        invoke: {
          src: 'teardownNetwork', id: 'teardownNetwork', input: nameOf,
          onDone: { target: 'stopping', actions: 'releasedNetwork' },
          onError: { target: '#worker.releaseFailed', actions: { type: 'releaseFail', params: 'teardownNetwork' } as const },
        },
      },
      stopping: {
        always: { guard: 'notStarted', target: 'removing' },
        invoke: {
          src: 'stopContainer', id: 'stopContainer',
          input: ({ context }: { context: WorkerContext }): StopInput =>
            ({ name: context.spec.name, graceMs: context.stopGraceMs }),
          onDone: { target: 'removing', actions: 'releasedStarted' },
          onError: { target: '#worker.releaseFailed', actions: { type: 'releaseFail', params: 'stopContainer' } as const },
        },
      },
      removing: {
        always: { guard: 'notHoldingContainer', target: done },
        invoke: {
          src: 'removeContainer', id: 'removeContainer', input: nameOf,
          onDone: { target: done, actions: 'releasedContainer' },
          onError: { target: '#worker.releaseFailed', actions: { type: 'releaseFail', params: 'removeContainer' } as const },
        },
      },
    },
  } as const;
}
