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
 * - Steps are {@link fromStep} actors: `fromPromise` semantics (input, an AbortSignal that aborts
 *   when the machine leaves the state, done/error to the parent) at a fraction of its cost, which
 *   matters at 10,000 workers × 7 steps.
 */
import { fromCallback, type PromiseActorLogic } from 'xstate';
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

const STEP_DONE = 'step.done';
const STEP_FAILED = 'step.failed';
const STOP = 'xstate.stop';
type StepSnapshot<TOut, TIn> = { status: 'active' | 'done' | 'error' | 'stopped'; output: TOut | undefined; error: unknown; input: TIn | undefined };

/**
 * Actor logic for one runtime step: like `fromPromise(({ input, signal }) => run(input, signal))`
 * (same snapshot shape, done/error reach the parent as `xstate.done.actor.*`/`xstate.error.actor.*`,
 * the signal aborts when the actor stops), without fromPromise's extra wrapper promise and per-call
 * argument object. The AbortController lives in a WeakMap keyed by the actor, so snapshots stay
 * JSON-safe.
 */
export function fromStep<TOut, TIn>(run: (input: TIn, signal: AbortSignal) => Promise<TOut>): PromiseActorLogic<TOut, TIn> {
  const controllers = new WeakMap<object, AbortController>();
  const logic = {
    config: run,
    transition: (state: StepSnapshot<TOut, TIn>, event: { type: string; data?: unknown }, scope: { self: object }) => {
      if (state.status !== 'active') return state;
      switch (event.type) {
        case STEP_DONE:
          return { status: 'done', output: event.data as TOut, error: undefined, input: undefined };
        case STEP_FAILED:
          return { status: 'error', output: undefined, error: event.data, input: undefined };
        case STOP: {
          controllers.get(scope.self)?.abort();
          return { status: 'stopped', output: undefined, error: undefined, input: undefined };
        }
        default:
          return state;
      }
    },
    start: (state: StepSnapshot<TOut, TIn>, { self }: { self: { getSnapshot(): { status: string }; send(e: unknown): void } }) => {
      if (state.status !== 'active') return;
      const ac = new AbortController();
      controllers.set(self, ac);
      let work: Promise<TOut>;
      try {
        work = run(state.input as TIn, ac.signal);
      } catch (err) {
        work = Promise.reject(err);
      }
      work.then(
        (data) => { if (self.getSnapshot().status === 'active') self.send({ type: STEP_DONE, data }); },
        (data: unknown) => { if (self.getSnapshot().status === 'active') self.send({ type: STEP_FAILED, data }); },
      );
    },
    getInitialSnapshot: (_: unknown, input: TIn): StepSnapshot<TOut, TIn> => ({ status: 'active', output: undefined, error: undefined, input }),
    getPersistedSnapshot: (snap: StepSnapshot<TOut, TIn>) => snap,
    restoreSnapshot: (snap: StepSnapshot<TOut, TIn>) => snap,
  };
  return logic as unknown as PromiseActorLogic<TOut, TIn>;
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
    createContainer: fromStep<CreatedContainer, CreateInput>((input, signal) =>
      call('create', input.spec.name, signal, (s) => runtime.create(input.spec, { signal: s }))),
    setupNetwork: fromStep<NetworkAttachment, NameInput>((input, signal) =>
      call('network', input.name, signal, (s) => runtime.setupNetwork(input.name, { signal: s }))),
    startContainer: fromStep<void, NameInput>((input, signal) =>
      call('start', input.name, signal, (s) => runtime.start(input.name, { signal: s }))),
    waitReady: fromStep<void, ReadyInput>((input, signal) => waitReady(input, signal)),
    pauseContainer: fromStep<void, NameInput>((input, signal) =>
      call('start', input.name, signal, (s) => runtime.pause(input.name, { signal: s }))),
    resumeContainer: fromStep<void, NameInput>((input, signal) =>
      call('start', input.name, signal, (s) => runtime.resume(input.name, { signal: s }))),
    teardownNetwork: fromStep<void, NameInput>((input, signal) =>
      call('network', input.name, signal, (s) => runtime.teardownNetwork(input.name, { signal: s }))),
    stopContainer: fromStep<void, StopInput>((input, signal) =>
      call('destroy', input.name, signal, (s) => runtime.stop(input.name, { signal: s, graceMs: input.graceMs }))),
    removeContainer: fromStep<void, NameInput>((input, signal) =>
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
