/**
 * The handle the server gets for one live worker: views, `can()`, commands that never send an
 * event the current state would drop, touch, waits and metrics.
 */
import type { Actor } from 'xstate';
import { AgentError } from '../errors.js';
import type { OpOptions, RuntimeMetrics } from '../runtime/container-runtime.js';
import type { CallOptions, WorkerCommand, WorkerHandle } from './supervisor-api.js';
import { settle } from './supervisor-wait.js';
import type { WorkerMachine, WorkerSnapshot } from './worker-machine.js';
import type { WorkerContext, WorkerEvent, WorkerView } from './worker-types.js';
import { workerView } from './worker-view.js';

/** What a handle needs from its supervisor. */
export interface HandleDeps {
  now(): number;
  newRequestId(): string;
  metrics(name: string, opts: OpOptions): Promise<RuntimeMetrics>;
  /** The supervisor's destroy (waits for the final state). */
  destroy(name: string, opts?: CallOptions): Promise<void>;
}

const REFUSAL: Record<Exclude<WorkerCommand, 'destroy'>, string> = {
  pause: 'only a running container can be paused',
  resume: 'only a paused container can be resumed',
};

/** Builds the event for a command (with a fresh request id). Pure given the deps. */
function commandEvent(command: WorkerCommand, deps: HandleDeps): WorkerEvent {
  return { type: `worker.${command}`, requestId: deps.newRequestId(), at: deps.now() };
}

/** The wire-facing name of a worker's state for messages, e.g. `paused`, `destroying`. */
function stateWord(snap: WorkerSnapshot): string {
  return workerView(snap).state.split('.', 1)[0] ?? 'unknown';
}

/** A handle over one worker actor. */
export class ActorWorkerHandle implements WorkerHandle {
  constructor(
    readonly name: string,
    private readonly actor: Actor<WorkerMachine>,
    private readonly deps: HandleDeps,
  ) {}

  view(): WorkerView {
    return workerView(this.actor.getSnapshot());
  }

  context(): Readonly<WorkerContext> {
    return this.actor.getSnapshot().context;
  }

  can(command: WorkerCommand): boolean {
    return this.actor.getSnapshot().can({ type: `worker.${command}`, requestId: '', at: 0 });
  }

  /** @throws AgentError FAILED_PRECONDITION (refused, nothing sent), NOT_FOUND, the command's own error. */
  command(command: WorkerCommand, opts?: CallOptions): Promise<void> {
    if (command === 'destroy') return this.deps.destroy(this.name, opts);
    const snap = this.actor.getSnapshot();
    const event = commandEvent(command, this.deps);
    if (!snap.can(event)) {
      const id = workerView(snap).containerId;
      return Promise.reject(new AgentError('FAILED_PRECONDITION', `container ${id} is ${stateWord(snap)}; ${REFUSAL[command]}`));
    }
    this.actor.send(event);
    const requestId = (event as { requestId: string }).requestId;
    return settle<void>(this.actor, (s) => {
      const last = s.context.lastCommand;
      if (last?.requestId === requestId) {
        return last.ok ? { ok: undefined } : { err: AgentError.fromJSON(last.error ?? { code: 'INTERNAL', message: `${command} failed` }) };
      }
      if (s.status !== 'active') return { err: new AgentError('NOT_FOUND', 'container_id not found') };
      return undefined;
    }, `${command} container ${this.name}`, opts?.signal);
  }

  /**
   * Moves `lastUsedAt` to now, at most once per wall-clock second. `last_used_at` is Unix
   * seconds on the wire and the machine keeps the later time, so once a touch of the current
   * second is in, later touches of that second would not change what any reply says: they are
   * not sent (no XState step, no journal line per invocation). The first use after creation is
   * always sent, so a worker used in the second it was created shows as used.
   */
  touch(): void {
    const snap = this.actor.getSnapshot();
    const at = this.deps.now();
    const { lastUsedAt, createdAt } = snap.context;
    if (lastUsedAt !== createdAt && Math.floor(at / 1000) <= Math.floor(lastUsedAt / 1000)) return;
    const event: WorkerEvent = { type: 'worker.touch', at };
    if (snap.can(event)) this.actor.send(event);
  }

  waitFor(predicate: (view: WorkerView) => boolean, opts?: CallOptions): Promise<WorkerView> {
    return settle<WorkerView>(this.actor, (s) => {
      const view = workerView(s);
      if (predicate(view)) return { ok: view };
      if (s.status !== 'active') return { err: new AgentError('NOT_FOUND', 'container_id not found') };
      return undefined;
    }, `wait for container ${this.name}`, opts?.signal);
  }

  subscribe(listener: (view: WorkerView) => void): () => void {
    const sub = this.actor.subscribe({ next: (s) => listener(workerView(s)), error: () => undefined });
    return () => sub.unsubscribe();
  }

  async metrics(opts?: CallOptions): Promise<RuntimeMetrics> {
    const m = await this.deps.metrics(this.name, { signal: opts?.signal });
    return { ...m, state: this.view().status };
  }
}
