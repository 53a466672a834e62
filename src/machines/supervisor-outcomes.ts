/**
 * How the supervisor reads worker snapshots for its waits, and the input of adopted workers. Pure.
 */
import { AgentError } from '../errors.js';
import type { ManagedContainer } from '../runtime/container-runtime.js';
import type { Outcome } from './supervisor-wait.js';
import type { WorkerSnapshot } from './worker-machine.js';
import type { WorkerInput, WorkerView } from './worker-types.js';
import { statePath, workerView } from './worker-view.js';

/** States of the create path, in which `ensure()` keeps waiting. */
const CREATING: ReadonlySet<string> = new Set(['pulling', 'creating', 'netSetup', 'starting', 'readying']);

/** What `ensure()` makes of a snapshot: running → the view; failed → its error; keep waiting otherwise. Pure. */
export function ensureOutcome(s: WorkerSnapshot): Outcome<WorkerView> {
  // Called on every snapshot of every worker being ensured: the create path is flat states.
  if (s.status === 'active' && CREATING.has(s.value as string)) return undefined;
  const path = statePath(s.value);
  if (path === 'running') return { ok: workerView(s) };
  if (s.status === 'error') return { err: new AgentError('INTERNAL', `worker crashed: ${String(s.error)}`) };
  if (path === 'failed' || path === 'releaseFailed') {
    return { err: AgentError.fromJSON(s.context.error ?? s.context.releaseError ?? { code: 'INTERNAL', message: 'worker failed' }) };
  }
  if (s.status === 'done' || path.startsWith('destroying')) {
    return { err: new AgentError('UNAVAILABLE', `container ${s.context.spec.name} was ${path.split('.')[0]} before it was ready`) };
  }
  return undefined;
}

/** What `destroy()` makes of a snapshot: done → ok; releaseFailed → INTERNAL; keep waiting otherwise. Pure. */
export function destroyOutcome(s: WorkerSnapshot): Outcome<void> {
  if (s.status === 'done') return { ok: undefined };
  if (s.status === 'error') return { err: new AgentError('INTERNAL', `failed to destroy container: worker crashed: ${String(s.error)}`) };
  if (s.value === 'releaseFailed') {
    const msg = s.context.releaseError?.message ?? 'release failed';
    return { err: new AgentError('INTERNAL', `failed to destroy container: ${msg}`, { step: s.context.releaseError?.step }) };
  }
  return undefined;
}

/** The input of an adopted worker for a container found by List. Pure. */
export function adoptedInput(
  c: ManagedContainer, opts: Pick<WorkerInput, 'networkPhase' | 'stopGraceMs'>,
): WorkerInput {
  return {
    spec: { name: c.name, functionName: c.functionName, image: c.image ?? '', env: {}, ownerId: c.ownerId, labels: c.labels },
    networkPhase: opts.networkPhase,
    stopGraceMs: opts.stopGraceMs,
    createdAt: c.createdAt,
    origin: 'adopted',
    adopted: { containerId: c.containerId, status: c.status, ipAddress: c.ipAddress, exitCode: c.exitCode },
  };
}
