/**
 * The wire-facing view of a worker, derived from its snapshot. Pure.
 *
 * Status mapping (the wire's ContainerState.status):
 * | machine state                                      | status  |
 * |----------------------------------------------------|---------|
 * | running, pausing                                   | RUNNING |
 * | paused, resuming                                   | PAUSED  |
 * | stopped (exited/OOM on its own), destroying.*      | STOPPED |
 * | destroyed, failed (final)                          | STOPPED |
 * | pulling, creating, netSetup, starting, readying    | UNKNOWN |
 * | rollback.*, releaseFailed                          | UNKNOWN |
 */
import type { StateValue } from 'xstate';
import type { ContainerStatus } from '../runtime/container-runtime.js';
import type { WorkerContext, WorkerView } from './worker-types.js';

/** The part of a worker snapshot the view needs (a MachineSnapshot of the worker machine fits). */
export interface WorkerSnapshotLike {
  value: StateValue;
  context: WorkerContext;
}

const STATUS: Readonly<Record<string, ContainerStatus>> = {
  running: 'RUNNING',
  pausing: 'RUNNING',
  paused: 'PAUSED',
  resuming: 'PAUSED',
  stopped: 'STOPPED',
  destroying: 'STOPPED',
  destroyed: 'STOPPED',
  failed: 'STOPPED',
};

/** A state value as a dotted path, e.g. `destroying.stopping`. Pure. */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? ['', undefined];
  return child === undefined ? key : `${key}.${statePath(child as StateValue)}`;
}

/** Wire status of a state path (table above). Pure. */
export function statusOf(path: string): ContainerStatus {
  const top = path.split('.', 1)[0] ?? '';
  return STATUS[top] ?? 'UNKNOWN';
}

/** Builds the wire-facing view of a worker snapshot. Pure. */
export function workerView(snapshot: WorkerSnapshotLike): WorkerView {
  const c = snapshot.context;
  const state = statePath(snapshot.value);
  return {
    name: c.spec.name,
    containerId: c.containerId || c.spec.name,
    functionName: c.spec.functionName,
    ownerId: c.spec.ownerId,
    image: c.spec.image,
    state,
    status: statusOf(state),
    ipAddress: c.ipAddress,
    port: c.port,
    createdAt: c.createdAt,
    lastUsedAt: c.lastUsedAt,
    origin: c.origin,
    error: c.releaseError ?? c.error,
    pull: c.pull,
    exitCode: c.exitCode,
  };
}
