/**
 * A fake supervisor for invoke tests: workers whose state the test drives by hand, with the
 * WorkerHandle semantics the invoker relies on (lookup errors, waitFor, subscribe, resume).
 */
import { AgentError } from '../../../src/errors.js';
import type { Supervisor, WorkerCommand, WorkerHandle } from '../../../src/machines/supervisor-api.js';
import type { WorkerContext, WorkerView } from '../../../src/machines/worker-types.js';

const FINAL = new Set(['destroyed', 'failed', 'releaseFailed']);

export class FakeWorker implements WorkerHandle {
  view_: WorkerView;
  touches = 0;
  viewReads = 0;
  commands: WorkerCommand[] = [];
  readonly #listeners = new Set<(v: WorkerView) => void>();

  constructor(name: string, ownerId: string, ip: string, port: number, state = 'running') {
    this.view_ = {
      name, containerId: name, functionName: 'fn', ownerId, image: 'echo', state,
      status: state === 'running' ? 'RUNNING' : 'UNKNOWN', ipAddress: ip, port,
      createdAt: 0, lastUsedAt: 0, origin: 'created',
    };
  }

  get name(): string {
    return this.view_.name;
  }

  view(): WorkerView {
    this.viewReads++;
    return this.view_;
  }

  context(): Readonly<WorkerContext> {
    throw new Error('not used');
  }

  can(command: WorkerCommand): boolean {
    return command === 'resume' ? this.view_.state === 'paused' : this.view_.state === 'running';
  }

  /** Moves the worker to `state` and notifies subscribers. */
  set(state: string, patch: Partial<WorkerView> = {}): void {
    this.view_ = { ...this.view_, ...patch, state };
    for (const l of [...this.#listeners]) l(this.view_);
  }

  async command(command: WorkerCommand): Promise<void> {
    this.commands.push(command);
    if (!this.can(command)) throw new AgentError('FAILED_PRECONDITION', `cannot ${command} in ${this.view_.state}`);
    if (command === 'resume') {
      this.set('resuming');
      await Promise.resolve();
      this.set('running');
    }
  }

  touch(): void {
    this.touches++;
  }

  waitFor(predicate: (view: WorkerView) => boolean, opts?: { signal?: AbortSignal | undefined }): Promise<WorkerView> {
    return new Promise((resolve, reject) => {
      const check = (v: WorkerView): boolean => {
        if (predicate(v)) { done(); resolve(v); return true; }
        if (FINAL.has(v.state)) { done(); reject(new AgentError('NOT_FOUND', `worker ${v.name} finished`)); return true; }
        return false;
      };
      const onAbort = (): void => { done(); reject(opts?.signal?.reason); };
      const unsubscribe = this.subscribe((v) => void check(v));
      const done = (): void => { unsubscribe(); opts?.signal?.removeEventListener('abort', onAbort); };
      if (opts?.signal?.aborted) return onAbort();
      opts?.signal?.addEventListener('abort', onAbort, { once: true });
      check(this.view_);
    });
  }

  subscribe(listener: (view: WorkerView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  metrics(): never {
    throw new Error('not used');
  }
}

export class FakeSupervisor implements Pick<Supervisor, 'lookup'> {
  readonly workers = new Map<string, FakeWorker>();

  add(worker: FakeWorker): FakeWorker {
    this.workers.set(worker.name, worker);
    return worker;
  }

  lookup(containerId: string, ownerId: string): WorkerHandle {
    const w = this.workers.get(containerId);
    if (w === undefined || w.view_.state === 'destroyed') throw new AgentError('NOT_FOUND', 'container_id not found');
    if (w.view_.ownerId !== ownerId) throw new AgentError('PERMISSION_DENIED', 'owner_id does not match container');
    return w;
  }
}
