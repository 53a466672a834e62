/**
 * What the server (and the invoke proxy, the web page, shutdown) may ask of the supervisor.
 * The server turns requests into these calls and views into replies; it never touches the runtime.
 */
import type { ManagedContainer, RuntimeMetrics } from '../runtime/container-runtime.js';
import type { WorkerContext, WorkerView } from './worker-types.js';

export interface EnsureRequest {
  functionName: string;
  image: string;
  env: Readonly<Record<string, string>>;
  ownerId: string;
}

export interface CallOptions {
  /** Aborted when the RPC is cancelled or its deadline passes. */
  signal?: AbortSignal | undefined;
}

/** The worker command events, as the handler asks `can()` about them. */
export type WorkerCommand = 'pause' | 'resume' | 'destroy';

/** A live worker, found by id for one owner. */
export interface WorkerHandle {
  readonly name: string;
  /** Current wire-facing view. */
  view(): WorkerView;
  /** Current context (read-only use). */
  context(): Readonly<WorkerContext>;
  /** Whether the worker's current state accepts the command (snapshot.can). */
  can(command: WorkerCommand): boolean;
  /**
   * Sends the command and resolves when the machine reports its outcome; rejects with the
   * AgentError it kept (e.g. INTERNAL from the runtime), or FAILED_PRECONDITION when the
   * current state refuses the command (nothing is sent then).
   */
  command(command: WorkerCommand, opts?: CallOptions): Promise<void>;
  /** Records an invocation start (last_used_at). */
  touch(): void;
  /** Resolves when `predicate(view)` holds; rejects with NOT_FOUND if the worker finishes first. */
  waitFor(predicate: (view: WorkerView) => boolean, opts?: CallOptions): Promise<WorkerView>;
  /** Subscribes to view changes; returns unsubscribe. */
  subscribe(listener: (view: WorkerView) => void): () => void;
  /** Resource usage from the runtime, with the view's state folded in. */
  metrics(opts?: CallOptions): Promise<RuntimeMetrics>;
}

export interface Supervisor {
  /**
   * Spawns a worker and resolves when it is running. Rejects with the AgentError that failed it
   * (after its rollback), or with CANCELLED/DEADLINE_EXCEEDED when `signal` aborts first, in which
   * case the worker is destroyed so nothing is left behind.
   */
  ensure(req: EnsureRequest, opts?: CallOptions): Promise<WorkerView>;
  /**
   * The worker with this container id (or name), if `ownerId` owns it.
   * @throws AgentError NOT_FOUND (unknown or finished), PERMISSION_DENIED (other owner).
   */
  lookup(containerId: string, ownerId: string): WorkerHandle;
  /** Destroys a worker; succeeds when it does not exist. @throws PERMISSION_DENIED, INTERNAL. */
  destroy(containerId: string, ownerId: string, opts?: CallOptions): Promise<void>;
  /** Views of every live worker of `ownerId`. */
  list(ownerId: string): WorkerView[];
  /** Views of every live worker (all owners). */
  all(): WorkerView[];
  /** Number of live workers. */
  readonly size: number;
}

/** A change in the set of live workers, for watchers (the web page, logs). */
export type SupervisorChange =
  | { type: 'added'; view: WorkerView }
  | { type: 'changed'; view: WorkerView }
  | { type: 'removed'; view: WorkerView };

export interface DestroyAllResult {
  destroyed: number;
  /** Workers whose release failed (left in `releaseFailed`), with the error message. */
  failed: Array<{ name: string; message: string }>;
}

/**
 * What the composition root (startup adoption, shutdown) and watchers need on top of
 * {@link Supervisor}. Kept separate so fakes of `Supervisor` in server tests stay small.
 */
export interface SupervisorAdmin extends Supervisor {
  /** Spawns adopted workers for containers found at startup (running/paused/stopped). Skips known names. */
  adopt(containers: readonly ManagedContainer[]): WorkerView[];
  /** Stops every worker actor without touching its container (shutdown that keeps workers). */
  stopAll(): void;
  /** Destroys every live worker and waits for all of them. Never rejects. */
  destroyAll(opts?: CallOptions): Promise<DestroyAllResult>;
  /** Subscribes to worker added/changed/removed; returns unsubscribe. */
  subscribe(listener: (change: SupervisorChange) => void): () => void;
}
