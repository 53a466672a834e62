/** Scriptable fake runtime actors for worker machine tests: record calls, fail or hang a step. */
import { AgentError, type ErrorCode } from '../../src/errors.js';
import type { StepName } from '../../src/machines/worker-types.js';
import { fromSteps, type StepContext } from '../../src/runtime/step-runner.js';

export type { StepName } from '../../src/machines/worker-types.js';

export interface FakeScript {
  /** Steps that fail (once each unless `failAlways`), with an optional code. */
  fail?: Partial<Record<StepName, ErrorCode>>;
  failAlways?: boolean;
  /** Steps that never settle until their signal aborts. */
  hang?: StepName[];
}

export interface FakeLog {
  calls: StepName[];
  aborted: StepName[];
}

/** Builds the `actors` (the `steps` actor) for `workerMachine.provide()` plus the log of what ran. */
export function fakeActors(script: FakeScript = {}) {
  const log: FakeLog = { calls: [], aborted: [] };
  const fails = { ...script.fail };
  const hang = new Set(script.hang ?? []);
  const failure = (name: StepName): AgentError | undefined => {
    const code = fails[name];
    if (code === undefined) return undefined;
    if (!script.failAlways) delete fails[name];
    return new AgentError(code, `${name} failed`, { step: name });
  };
  const step = <T>(name: StepName, output: T) => async (_input: unknown, { signal, report }: StepContext): Promise<T> => {
    log.calls.push(name);
    if (hang.has(name)) {
      await new Promise((_, reject) => signal.addEventListener('abort', () => {
        log.aborted.push(name);
        reject(new AgentError('CANCELLED', `${name} aborted`));
      }));
    }
    await Promise.resolve();
    if (name === 'pullImage') report({ type: 'pull.progress', doneBytes: 50, totalBytes: 100 });
    const err = failure(name);
    if (err) throw err;
    return output;
  };
  const actors = {
    steps: fromSteps({
      pullImage: step('pullImage', { pulled: true }),
      createContainer: step('createContainer', { containerId: 'cid-123' }),
      setupNetwork: step('setupNetwork', { ipAddress: '10.88.0.7' }),
      startContainer: step<void>('startContainer', undefined),
      waitReady: step<void>('waitReady', undefined),
      pauseContainer: step<void>('pauseContainer', undefined),
      resumeContainer: step<void>('resumeContainer', undefined),
      teardownNetwork: step<void>('teardownNetwork', undefined),
      stopContainer: step<void>('stopContainer', undefined),
      removeContainer: step<void>('removeContainer', undefined),
    }),
  };
  return { actors, log };
}
