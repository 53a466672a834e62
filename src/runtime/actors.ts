/**
 * The real implementations of the worker machine's actors, given to
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
 */
import { fromCallback, fromPromise } from 'xstate';
import { toAgentError } from '../errors.js';
import type {
  CreateInput, NameInput, PullInput, ReadyInput, StopInput,
} from '../machines/worker-machine.js';
import type { WorkerEvent, WorkerPullEvent } from '../machines/worker-types.js';
import type { ContainerRuntime, CreatedContainer, NetworkAttachment, PullProgress } from './container-runtime.js';
import type { Limiter, OpClass } from './limiter.js';

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

/** Builds the runtime actors for `workerMachine.provide({ actors })`. */
export function runtimeActors(runtime: ContainerRuntime, limiter: Limiter, opts: RuntimeActorsOptions = {}) {
  const chain = new NameChain();
  const call = <T>(cls: OpClass, name: string, signal: AbortSignal, fn: (s: AbortSignal | undefined) => Promise<T>) =>
    chain.run(name, () => limiter.run(cls, fn, { signal }));
  const waitReady = opts.waitReady ?? (async () => undefined);

  return {
    pullImage: fromCallback<WorkerEvent, PullInput, WorkerPullEvent>(({ input, sendBack }) => {
      const ac = new AbortController();
      let settled = false;
      const onProgress = progressReporter(opts, sendBack);
      call('pull', input.name, ac.signal, (signal) => runtime.ensureImage(input.image, { signal, onProgress })).then(
        (info) => { settled = true; sendBack({ type: 'pull.done', pulled: info.pulled }); },
        (err: unknown) => {
          settled = true;
          sendBack({ type: 'pull.failed', error: toAgentError(err, 'pull image', 'pullImage').toJSON() });
        },
      );
      // Abort only a pull still running (an abort builds a DOMException: not free at 10k workers).
      return () => { if (!settled) ac.abort(); };
    }),
    createContainer: fromPromise<CreatedContainer, CreateInput>(({ input, signal }) =>
      call('create', input.spec.name, signal, (s) => runtime.create(input.spec, { signal: s }))),
    setupNetwork: fromPromise<NetworkAttachment, NameInput>(({ input, signal }) =>
      call('network', input.name, signal, (s) => runtime.setupNetwork(input.name, { signal: s }))),
    startContainer: fromPromise<void, NameInput>(({ input, signal }) =>
      call('start', input.name, signal, (s) => runtime.start(input.name, { signal: s }))),
    waitReady: fromPromise<void, ReadyInput>(({ input, signal }) => waitReady(input, signal)),
    pauseContainer: fromPromise<void, NameInput>(({ input, signal }) =>
      call('start', input.name, signal, (s) => runtime.pause(input.name, { signal: s }))),
    resumeContainer: fromPromise<void, NameInput>(({ input, signal }) =>
      call('start', input.name, signal, (s) => runtime.resume(input.name, { signal: s }))),
    teardownNetwork: fromPromise<void, NameInput>(({ input, signal }) =>
      call('network', input.name, signal, (s) => runtime.teardownNetwork(input.name, { signal: s }))),
    stopContainer: fromPromise<void, StopInput>(({ input, signal }) =>
      call('destroy', input.name, signal, (s) => runtime.stop(input.name, { signal: s, graceMs: input.graceMs }))),
    removeContainer: fromPromise<void, NameInput>(({ input, signal }) =>
      call('destroy', input.name, signal, (s) => runtime.remove(input.name, { signal: s }))),
  };
}

/** The actors `runtimeActors` returns (what `workerMachine.provide` takes). */
export type RuntimeActors = ReturnType<typeof runtimeActors>;

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
