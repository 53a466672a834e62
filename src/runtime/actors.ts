/**
 * The real implementations of the worker machine's steps, given to
 * `workerMachine.provide({ actors: runtimeActors(runtime, limiter, opts) })` at the composition root.
 *
 * - Each runtime call runs through the limiter class of its operation with the actor's signal
 *   (queued work leaves the queue when the worker is destroyed):
 *   pull → `pull`; create → `create`; setupNetwork/teardownNetwork → `network`;
 *   start/pause/resume → `start`; stop/remove → `destroy`.
 * - Per-worker serialisation: every runtime call for a name is chained after the previous one
 *   for that name. An aborted call keeps its place until its underlying promise settles, so a
 *   destroy's release calls run only after an aborted create/network/start step has really
 *   finished in the daemon; whatever it created is then released (the machine marks resources
 *   held on entering their step). Chain waits happen outside the limiter (no slot is held).
 * - `waitReady` is pluggable (default no-op); the composition root passes a TCP-connect poller.
 * - The step functions run inside the worker's one `steps` actor ({@link fromSteps}), whose
 *   signal aborts when the machine leaves the step's state early.
 */
import { toAgentError } from '../errors.js';
import type { ReadyInput } from '../machines/worker-machine.js';
import type { WorkerPullEvent } from '../machines/worker-types.js';
import type { ContainerRuntime, PullProgress } from './container-runtime.js';
import type { Limiter, OpClass } from './limiter.js';
import { fromSteps, type StepFunctions } from './step-runner.js';

export interface RuntimeActorsOptions {
  /** Waits until the worker accepts connections; default resolves at once. Must honour `signal`. */
  waitReady?: ((input: ReadyInput, signal: AbortSignal) => Promise<void>) | undefined;
  /** Pull progress is sent back in steps of this fraction of the total. @default 0.05 */
  progressStep?: number | undefined;
  /** When the total is unknown, progress is sent every this many bytes. @default 4 MiB */
  progressBytes?: number | undefined;
}

/**
 * Chains calls per worker name. `run(name, fn)` starts `fn` after every earlier call for `name`
 * has settled (whatever its caller saw) and returns `fn`'s promise.
 */
export class NameChain {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(name);
    const result = prev ? prev.then(fn) : fn();
    const settled = (): void => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    };
    const tail: Promise<void> = result.then(settled, settled);
    this.tails.set(name, tail);
    return result;
  }

  /** Names with a call in flight or queued (for tests and shutdown). */
  get size(): number {
    return this.tails.size;
  }
}

/** The worker's step functions on `runtime` (what the `steps` actor runs). */
export function runtimeSteps(runtime: ContainerRuntime, limiter: Limiter, opts: RuntimeActorsOptions = {}): StepFunctions {
  const chain = new NameChain();
  const call = <T>(cls: OpClass, name: string, signal: AbortSignal, fn: (s: AbortSignal | undefined) => Promise<T>) =>
    chain.run(name, () => limiter.run(cls, fn, { signal }));
  const waitReady = opts.waitReady ?? (async () => undefined);

  return {
    pullImage: async (input, { signal, report }) => {
      const onProgress = progressReporter(opts, report);
      try {
        const info = await call('pull', input.name, signal, (s) => runtime.ensureImage(input.image, { signal: s, onProgress }));
        return { pulled: info.pulled };
      } catch (err) {
        throw toAgentError(err, 'pull image', 'pullImage');
      }
    },
    createContainer: (input, { signal }) =>
      call('create', input.spec.name, signal, (s) => runtime.create(input.spec, { signal: s })),
    setupNetwork: (input, { signal }) =>
      call('network', input.name, signal, (s) => runtime.setupNetwork(input.name, { signal: s })),
    startContainer: (input, { signal }) =>
      call('start', input.name, signal, (s) => runtime.start(input.name, { signal: s })),
    waitReady: (input, { signal }) => waitReady(input, signal),
    pauseContainer: (input, { signal }) =>
      call('start', input.name, signal, (s) => runtime.pause(input.name, { signal: s })),
    resumeContainer: (input, { signal }) =>
      call('start', input.name, signal, (s) => runtime.resume(input.name, { signal: s })),
    teardownNetwork: (input, { signal }) =>
      call('network', input.name, signal, (s) => runtime.teardownNetwork(input.name, { signal: s })),
    stopContainer: (input, { signal }) =>
      call('destroy', input.name, signal, (s) => runtime.stop(input.name, { signal: s, graceMs: input.graceMs })),
    removeContainer: (input, { signal }) =>
      call('destroy', input.name, signal, (s) => runtime.remove(input.name, { signal: s })),
  };
}

/** Builds the worker's `steps` actor on `runtime`, for `workerMachine.provide({ actors })`. */
export function runtimeActors(runtime: ContainerRuntime, limiter: Limiter, opts: RuntimeActorsOptions = {}) {
  return { steps: fromSteps(runtimeSteps(runtime, limiter, opts)) };
}

/** Sends `pull.progress` in steps, so a long pull does not flood the machine (and the journal). */
function progressReporter(opts: RuntimeActorsOptions, sendBack: (e: WorkerPullEvent) => void) {
  const step = opts.progressStep ?? 0.05;
  const bytes = opts.progressBytes ?? 4 * 1024 * 1024;
  let last = -1;
  return (p: PullProgress) => {
    const bucket = p.totalBytes > 0 ? Math.floor(p.doneBytes / p.totalBytes / step) : Math.floor(p.doneBytes / bytes);
    if (bucket === last) return;
    last = bucket;
    sendBack({ type: 'pull.progress', doneBytes: p.doneBytes, totalBytes: p.totalBytes });
  };
}
