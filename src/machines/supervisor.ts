/**
 * The supervisor: the root actor of the worker system and the indexes the server looks workers
 * up in.
 *
 * Scale (docs/state-machines.md): XState's `spawnChild`/`stopChild` copy the
 * parent's `children` object on every call, so spawning/stopping one child per event into one
 * parent machine is O(N) each and O(N²) overall. Here each worker is created with
 * `createActor(workerLogic, { parent: root, id: name, systemId: name })`: it joins the root's
 * system (one `inspect` observer sees every worker; `system.get(name)` is a Map lookup) without
 * touching any `children` object, and the root, a callback actor, receives each worker's
 * `xstate.done.actor.<name>` and reaps it from our own Maps. Spawn and reap are O(1) amortised.
 *
 * Indexes: by name, by container id alias (Docker's id differs from the name), and by owner.
 */
import {
  createActor, fromCallback, type Actor, type ActorOptions, type AnyActorLogic, type AnyActorRef, type InspectionEvent, type Observer,
} from 'xstate';
import { AgentError } from '../errors.js';
import type {
  ManagedContainer, OpOptions, RuntimeEvent, RuntimeEventListener, RuntimeInfo, RuntimeMetrics, WorkerSpec,
} from '../runtime/container-runtime.js';
import type {
  CallOptions, DestroyAllResult, EnsureRequest, SupervisorAdmin, SupervisorChange, WorkerHandle,
} from './supervisor-api.js';
import { adoptedInput, destroyOutcome, ensureOutcome } from './supervisor-outcomes.js';
import { abortError, settle } from './supervisor-wait.js';
import { ActorWorkerHandle, type HandleDeps } from './worker-handle.js';
import type { WorkerMachine, WorkerSnapshot } from './worker-machine.js';
import type { WorkerEvent, WorkerInput, WorkerView } from './worker-types.js';
import { workerView } from './worker-view.js';

export interface SupervisorOptions {
  /** The worker machine with its actors provided (`workerMachine.provide({ actors })`). */
  workerLogic: WorkerMachine;
  /** From `RuntimeInfo.networkPhase`. */
  networkPhase: RuntimeInfo['networkPhase'];
  /** Builds the spec (name, labels...) of a new worker. @throws AgentError INVALID_ARGUMENT. */
  buildSpec(req: EnsureRequest): WorkerSpec;
  /** Epoch ms. */
  now(): number;
  newRequestId(): string;
  stopGraceMs: number;
  /**
   * Whether the provided `waitReady` does any work. `false` makes new workers skip `readying`
   * (no actor is invoked for it). @default true
   */
  readiness?: boolean | undefined;
  /** `runtime.metrics`. */
  metrics(name: string, opts: OpOptions): Promise<RuntimeMetrics>;
  /** Exit/OOM events (`runtime.subscribe`), routed to workers by name. */
  runtimeEvents?: { subscribe(listener: RuntimeEventListener): () => void } | undefined;
  /** Sees every inspection event of the whole system (journal recorder, web page). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  /** Clock for delayed events (SimulatedClock in tests). */
  clock?: SupervisorClock | undefined;
  /** Called when a worker actor crashes (a bug: machines do not throw). */
  onWorkerError?: ((name: string, err: unknown) => void) | undefined;
}

/** XState's scheduler clock (`SimulatedClock` fits). */
export type SupervisorClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

interface Entry {
  actor: Actor<WorkerMachine>;
  ownerId: string;
  /** The alias registered in `byContainerId` ('' until known). */
  containerId: string;
}

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';

/** The supervisor; also a {@link SupervisorAdmin}. `close()` stops the root and every worker actor. */
export class WorkerSupervisor implements SupervisorAdmin {
  private readonly byName = new Map<string, Entry>();
  private readonly byContainerId = new Map<string, string>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly listeners = new Set<(change: SupervisorChange) => void>();
  private readonly root: AnyActorRef;
  private readonly handleDeps: HandleDeps;
  private readonly unsubscribeRuntime: () => void;

  constructor(private readonly opts: SupervisorOptions) {
    const rootLogic = fromCallback(({ receive }) => {
      receive((event) => this.onRootEvent(event));
    });
    this.root = createActor(rootLogic, { id: 'supervisor', systemId: 'supervisor', inspect: opts.inspect, clock: opts.clock });
    this.root.start();
    this.handleDeps = {
      now: opts.now,
      newRequestId: opts.newRequestId,
      metrics: opts.metrics,
      destroy: (name, o) => this.destroyByName(name, o),
    };
    this.unsubscribeRuntime = opts.runtimeEvents?.subscribe((e) => this.onRuntimeEvent(e)) ?? (() => undefined);
  }

  get size(): number {
    return this.byName.size;
  }

  /** The actor system shared by the root and every worker. */
  get system(): AnyActorRef['system'] {
    return this.root.system;
  }

  async ensure(req: EnsureRequest, opts?: CallOptions): Promise<WorkerView> {
    const spec = this.opts.buildSpec(req);
    const signal = opts?.signal;
    if (signal?.aborted) throw abortError(signal, `ensure container ${spec.name}`);
    if (this.byName.has(spec.name)) throw new AgentError('ALREADY_EXISTS', `container ${spec.name} already exists`);
    const actor = this.spawn({
      spec, networkPhase: this.opts.networkPhase, stopGraceMs: this.opts.stopGraceMs,
      createdAt: this.opts.now(), origin: 'created',
      ...(this.opts.readiness === false ? { readiness: false } : {}),
    });
    const cancel = () => this.send(actor, { type: 'worker.destroy', requestId: this.opts.newRequestId(), at: this.opts.now() });
    return settle(actor, ensureOutcome, `ensure container ${spec.name}`, signal, cancel);
  }

  lookup(containerId: string, ownerId: string): WorkerHandle {
    const name = this.resolve(containerId);
    const entry = name === undefined ? undefined : this.byName.get(name);
    if (!entry || entry.actor.getSnapshot().status !== 'active') throw new AgentError('NOT_FOUND', 'container_id not found');
    if (entry.ownerId !== ownerId) throw new AgentError('PERMISSION_DENIED', 'owner_id does not match container');
    return new ActorWorkerHandle(name!, entry.actor, this.handleDeps);
  }

  async destroy(containerId: string, ownerId: string, opts?: CallOptions): Promise<void> {
    const name = this.resolve(containerId);
    const entry = name === undefined ? undefined : this.byName.get(name);
    if (!entry) return;
    if (entry.ownerId !== ownerId) throw new AgentError('PERMISSION_DENIED', 'owner_id does not match container');
    return this.destroyByName(name!, opts);
  }

  list(ownerId: string): WorkerView[] {
    const names = this.byOwner.get(ownerId);
    if (!names) return [];
    return [...names].map((n) => workerView(this.byName.get(n)!.actor.getSnapshot()));
  }

  all(): WorkerView[] {
    return [...this.byName.values()].map((e) => workerView(e.actor.getSnapshot()));
  }

  adopt(containers: readonly ManagedContainer[]): WorkerView[] {
    const views: WorkerView[] = [];
    for (const c of containers) {
      if (this.byName.has(c.name)) continue;
      const actor = this.spawn(adoptedInput(c, this.opts));
      views.push(workerView(actor.getSnapshot()));
    }
    return views;
  }

  stopAll(): void {
    for (const [name, entry] of [...this.byName]) {
      stopWorker(entry.actor);
      this.reap(name);
    }
  }

  async destroyAll(opts?: CallOptions): Promise<DestroyAllResult> {
    const names = [...this.byName.keys()];
    const results = await Promise.allSettled(names.map((n) => this.destroyByName(n, opts)));
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ name: names[i]!, message: r.reason instanceof Error ? r.reason.message : String(r.reason) }] : []);
    return { destroyed: names.length - failed.length, failed };
  }

  subscribe(listener: (change: SupervisorChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops listening to the runtime and stops every actor (containers are left as they are). */
  close(): void {
    this.unsubscribeRuntime();
    this.stopAll();
    this.root.stop();
  }

  private spawn(input: WorkerInput): Actor<WorkerMachine> {
    const name = input.spec.name;
    const actor = createActor(this.opts.workerLogic, { parent: this.root, id: name, systemId: name, input });
    const entry: Entry = { actor, ownerId: input.spec.ownerId, containerId: '' };
    this.byName.set(name, entry);
    let owned = this.byOwner.get(entry.ownerId);
    if (!owned) this.byOwner.set(entry.ownerId, (owned = new Set()));
    owned.add(name);
    this.track(name, entry, actor.getSnapshot());
    if (this.listeners.size > 0) this.emit({ type: 'added', view: workerView(actor.getSnapshot()) });
    actor.subscribe({ next: (snap) => this.onSnapshot(name, entry, snap), error: () => undefined });
    actor.start();
    return actor;
  }

  private destroyByName(name: string, opts?: CallOptions): Promise<void> {
    const entry = this.byName.get(name);
    if (!entry) return Promise.resolve();
    const actor = entry.actor;
    const event: WorkerEvent = { type: 'worker.destroy', requestId: this.opts.newRequestId(), at: this.opts.now() };
    this.send(actor, event);
    return settle<void>(actor, destroyOutcome, `destroy container ${name}`, opts?.signal);
  }

  /** Sends only what the current state accepts (nothing is dropped silently). */
  private send(actor: Actor<WorkerMachine>, event: WorkerEvent): void {
    const snap = actor.getSnapshot();
    if (snap.status === 'active' && snap.can(event)) actor.send(event);
  }

  private resolve(containerId: string): string | undefined {
    return this.byName.has(containerId) ? containerId : this.byContainerId.get(containerId);
  }

  private onRootEvent(event: { type: string; error?: unknown }): void {
    if (event.type.startsWith(DONE)) this.reap(event.type.slice(DONE.length));
    else if (event.type.startsWith(ERROR)) {
      const name = event.type.slice(ERROR.length);
      this.opts.onWorkerError?.(name, event.error);
      this.reap(name);
    }
  }

  private onSnapshot(name: string, entry: Entry, snap: WorkerSnapshot): void {
    this.track(name, entry, snap);
    if (this.listeners.size > 0 && snap.status === 'active') this.emit({ type: 'changed', view: workerView(snap) });
  }

  /** Registers the container id alias once the runtime has reported it. */
  private track(name: string, entry: Entry, snap: WorkerSnapshot): void {
    const id = snap.context.containerId;
    if (id && id !== entry.containerId) {
      if (entry.containerId) this.byContainerId.delete(entry.containerId);
      entry.containerId = id;
      if (id !== name) this.byContainerId.set(id, name);
    }
  }

  private reap(name: string): void {
    const entry = this.byName.get(name);
    if (!entry) return;
    this.byName.delete(name);
    if (entry.containerId) this.byContainerId.delete(entry.containerId);
    const owned = this.byOwner.get(entry.ownerId);
    owned?.delete(name);
    if (owned?.size === 0) this.byOwner.delete(entry.ownerId);
    if (this.listeners.size > 0) this.emit({ type: 'removed', view: workerView(entry.actor.getSnapshot()) });
  }

  private onRuntimeEvent(e: RuntimeEvent): void {
    const name = this.resolve(e.name);
    const entry = name === undefined ? undefined : this.byName.get(name);
    if (!entry) return;
    const event: WorkerEvent = e.type === 'exit'
      ? { type: 'runtime.exited', exitCode: e.exitCode, at: e.at }
      : { type: 'runtime.oom', at: e.at };
    this.send(entry.actor, event);
  }

  private emit(change: SupervisorChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A watcher's failure must not disturb the supervisor.
      }
    }
  }
}

/**
 * Stops a worker actor (and its `steps` actor, whose step in flight aborts). `Actor.stop()` refuses
 * actors with a parent; `_stop()` is what a parent's `stopChild` runs, minus the check that the
 * caller is that parent (our root is a callback actor that does not track children).
 */
function stopWorker(actor: Actor<WorkerMachine>): void {
  (actor as unknown as { _stop(): void })._stop();
}

/** Builds a supervisor (see {@link WorkerSupervisor}). */
export function createSupervisor(opts: SupervisorOptions): WorkerSupervisor {
  return new WorkerSupervisor(opts);
}
