/**
 * The recovery parts as the composition root wires them, so `src/main.ts` needs three calls:
 * {@link startRecovery} before serving (cleanup + adoption, then the reconcile loop and the
 * supervisor the gRPC server should use) and {@link gracefulShutdown} on stop.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Supervisor } from '../machines/supervisor-api.js';
import type { WorkerSupervisor } from '../machines/supervisor.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { actorSender } from './actor-sender.js';
import { destroyUnknown } from './destroy-unknown.js';
import { startReconcile, type ReconcileLoop } from './reconcile.js';
import { recoverOnStart, type RecoveryReport } from './recover-on-start.js';
import { withUnknownDestroy } from './recovering-supervisor.js';

export interface RecoveryWiring {
  report: RecoveryReport;
  /** The supervisor for the gRPC server (Destroy falls back to the runtime for unknown ids). */
  serverSupervisor: Supervisor;
  reconcile: ReconcileLoop;
}

/** Pure. `{brand}-{env}-`, the prefix of this agent's worker names. */
export function workerNamePrefix(config: Pick<Config, 'identity'>): string {
  return `${config.identity.containerPrefix}-${config.identity.env}-`;
}

/** Start-up cleanup and adoption, then the reconcile loop. Throws when the runtime cannot be listed. */
export async function startRecovery(o: {
  config: Config; log: Logger; runtime: ContainerRuntime; supervisor: WorkerSupervisor; startedAt: number;
}): Promise<RecoveryWiring> {
  const log = o.log.child({ component: 'recovery' });
  const report = await recoverOnStart({
    runtime: o.runtime, supervisor: o.supervisor, log, stopGraceMs: o.config.worker.stopGraceMs,
    namePrefix: workerNamePrefix(o.config), startedAt: o.startedAt,
  });
  const removing = new Set<string>();
  const serverSupervisor = withUnknownDestroy(o.supervisor, async (id, owner, opts) => {
    removing.add(id);
    let name: string | undefined;
    try {
      return await destroyUnknown(o.runtime, id, owner, {
        graceMs: o.config.worker.stopGraceMs, signal: opts?.signal,
        onRemove: (c) => { name = c.name; removing.add(c.name); log.info({ worker: c.name, owner }, 'destroying a container no actor knows'); },
      });
    } finally {
      removing.delete(id);
      if (name) removing.delete(name);
    }
  });
  const reconcile = startReconcile({
    runtime: o.runtime, supervisor: o.supervisor, send: actorSender(o.supervisor.system), log,
    now: Date.now, newRequestId: randomUUID, excluded: () => removing,
  }, o.config.reconcile.intervalMs);
  return { report, serverSupervisor, reconcile };
}
