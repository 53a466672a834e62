/**
 * The release sequence shared by the worker machine's `destroying` and `rollback` states:
 * teardown network → stop (SIGTERM, grace, SIGKILL inside the adapter) → remove. The transient
 * `next` sub-state picks the first resource still held, so exactly what is held is released, in
 * that order; each step state asks the `steps` actor to run its step on entry. A failed release
 * goes to `#worker.releaseFailed`. Pure config (guards/actions by name).
 */

/** The release sub-states; `done` is the target once nothing is held (`#worker.destroyed` / `#worker.failed`). */
export function releaseStates(done: string) {
  return {
    initial: 'next',
    states: {
      /** Transient: the next resource to release, or `done`. */
      next: {
        always: [
          { guard: 'holdingNetwork', target: 'network' },
          { guard: 'started', target: 'stopping' },
          { guard: 'holdingContainer', target: 'removing' },
          { target: done },
        ],
      },
      network: {
        entry: { type: 'runStep', params: 'teardownNetwork' },
        on: {
          'step.done.teardownNetwork': { target: 'next', actions: 'releasedNetwork' },
          'step.failed.teardownNetwork': { target: '#worker.releaseFailed', actions: { type: 'releaseFail', params: 'teardownNetwork' } },
        },
      },
      stopping: {
        entry: { type: 'runStep', params: 'stopContainer' },
        on: {
          'step.done.stopContainer': { target: 'next', actions: 'releasedStarted' },
          'step.failed.stopContainer': { target: '#worker.releaseFailed', actions: { type: 'releaseFail', params: 'stopContainer' } },
        },
      },
      removing: {
        entry: { type: 'runStep', params: 'removeContainer' },
        on: {
          'step.done.removeContainer': { target: 'next', actions: 'releasedContainer' },
          'step.failed.removeContainer': { target: '#worker.releaseFailed', actions: { type: 'releaseFail', params: 'removeContainer' } },
        },
      },
    },
  } as const;
}
