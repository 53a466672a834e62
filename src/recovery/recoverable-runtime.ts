/**
 * What start-up recovery asks of a runtime beyond {@link ContainerRuntime}: an inventory of
 * everything of ours it holds (including half-made things `list` does not show) and the removal
 * of crash leftovers. Implemented next to the adapters' exported helpers, in this folder, so
 * the adapters keep their shape (see docs/recovery.md).
 */
import type { ManagedContainer } from '../runtime/container-runtime.js';

/** Kinds of crash leftovers, one per resource the agent makes. */
export type LeftoverKind =
  | 'container'
  | 'task'
  | 'shim'
  | 'cni-attachment'
  | 'ipam-lease'
  | 'snapshot'
  | 'lease'
  | 'netns'
  | 'worker-files';

/** One leftover that start-up cleanup removed (or failed to remove). */
export interface Leftover {
  kind: LeftoverKind;
  /** Container name / snapshot key / lease id / file name. */
  id: string;
  /** Why it is a leftover (e.g. "task CREATED, never started"). */
  reason: string;
  /** Set when removing it failed (it is then still there). */
  error?: string | undefined;
}

/** Everything of ours a runtime holds, by kind (names only). */
export interface RuntimeInventory {
  /** Managed containers as `list` reports them (half-made ones flagged `incomplete`). */
  containers: ManagedContainer[];
  /** Other resources of ours by kind (tasks, snapshots, leases, CNI state, netns, files). */
  resources: Partial<Record<LeftoverKind, string[]>>;
}

export interface CleanupOptions {
  signal?: AbortSignal | undefined;
  /** SIGTERM → SIGKILL grace for half-made containers that have a process. */
  stopGraceMs: number;
}

/** A runtime that can report and clean crash leftovers. */
export interface RecoverableRuntime {
  /** Lists everything of ours. Throws AgentError. */
  inventory(opts?: { signal?: AbortSignal | undefined }): Promise<RuntimeInventory>;
  /**
   * Removes crash leftovers: half-made containers and resources without a container. Never
   * touches a complete container. Returns what was removed (failures have `error` set); throws
   * only when the runtime cannot be listed at all.
   */
  cleanupLeftovers(opts: CleanupOptions): Promise<Leftover[]>;
  /**
   * Optional second pass over the names whose half-made containers the cleanup removed: waits
   * for daemon calls the dead agent left in flight (e.g. a task create) and removes what they
   * made. Same contract as `cleanupLeftovers`.
   */
  settle?(names: readonly string[], opts: CleanupOptions): Promise<Leftover[]>;
}

/** Pure. Why a listed container counts as half-made (crash leftover). */
export function incompleteReason(c: ManagedContainer): string {
  if (c.status === 'STOPPED' && c.exitCode === undefined) return 'created, no task';
  if (c.status === 'UNKNOWN') return 'created but never started';
  if (!c.ipAddress) return 'no network attachment';
  return 'never completed';
}
