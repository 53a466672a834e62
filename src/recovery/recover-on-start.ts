/**
 * What the composition root runs before it serves (health stays NOT_SERVING meanwhile): start-up
 * cleanup of crash leftovers, then adoption of every complete container. One summary log line.
 */
import type { Logger } from 'pino';
import type { SupervisorAdmin } from '../machines/supervisor-api.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { adoptExisting, type AdoptResult } from './adopt.js';
import { recoveryFor, type RecoveryTarget } from './recovery-for.js';
import { cleanupOnStart, type CleanupResult } from './startup-cleanup.js';

export interface RecoverOnStartOptions extends RecoveryTarget {
  runtime: ContainerRuntime;
  supervisor: Pick<SupervisorAdmin, 'adopt'>;
  log: Pick<Logger, 'info' | 'warn'>;
  stopGraceMs: number;
  signal?: AbortSignal | undefined;
}

export interface RecoveryReport {
  cleanup: CleanupResult;
  adoption: AdoptResult;
}

/** Cleanup, then adoption. Throws the runtime's AgentError when it cannot be listed. */
export async function recoverOnStart(o: RecoverOnStartOptions): Promise<RecoveryReport> {
  const recovery = recoveryFor(o.runtime, { namePrefix: o.namePrefix, startedAt: o.startedAt });
  const cleanup = await cleanupOnStart(recovery, o.log, { stopGraceMs: o.stopGraceMs, signal: o.signal });
  const adoption = await adoptExisting(o.runtime, o.supervisor, { signal: o.signal });
  const byStatus: Record<string, number> = {};
  for (const v of adoption.adopted) byStatus[v.status] = (byStatus[v.status] ?? 0) + 1;
  o.log.info({
    adopted: adoption.adopted.length, byStatus, adoptMs: round(adoption.ms), spawnMs: round(adoption.spawnMs),
    leftoversRemoved: cleanup.removed.length, leftoversFailed: cleanup.failed.length, cleanupMs: round(cleanup.ms),
  }, 'start-up recovery done');
  return { cleanup, adoption };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
