/**
 * Graceful shutdown (SIGTERM/SIGINT) within `AGENT_SHUTDOWN_TIMEOUT`: health NOT_SERVING, no new
 * RPCs, in-flight RPCs get part of the budget (80 % with `keep`, 50 % with `destroy`) and are then
 * cancelled (a cancelled Ensure destroys its worker). Then, per `AGENT_SHUTDOWN_POLICY`:
 * - `keep` (default): waits (within the budget) until no worker is between states, then stops
 *   the actors without touching the containers (the journal records `shutdown` for each); the
 *   next start adopts them.
 * - `destroy`: resumes paused workers first (a SIGKILL to a frozen task may never land), then
 *   destroys every worker; whatever is not done at the deadline is left to start-up cleanup.
 */
import type { Logger } from 'pino';
import type { SupervisorAdmin } from '../machines/supervisor-api.js';
import type { ShutdownPolicy } from '../config.js';

export interface ShutdownDeps {
  grpc: { shutdown(timeoutMs: number): Promise<void> };
  supervisor: Pick<SupervisorAdmin, 'all' | 'lookup' | 'destroyAll' | 'stopAll' | 'size'>;
  policy: ShutdownPolicy;
  timeoutMs: number;
  log: Pick<Logger, 'info' | 'warn'>;
  /** Health NOT_SERVING (readiness false) before anything else. */
  notReady: () => void;
  /** Stops background loops (reconcile) before the workers are touched. */
  stopBackground?: (() => Promise<void>) | undefined;
  now?: (() => number) | undefined;
}

export interface ShutdownReport {
  policy: ShutdownPolicy;
  kept: number;
  destroyed: number;
  failed: Array<{ name: string; message: string }>;
  /** True when the workers were not all settled/destroyed by the deadline. */
  timedOut: boolean;
  ms: number;
}

const SETTLED = new Set(['running', 'paused', 'stopped']);

/** Runs the shutdown sequence. Never rejects. */
export async function gracefulShutdown(d: ShutdownDeps): Promise<ShutdownReport> {
  const now = d.now ?? Date.now;
  const start = now();
  const deadline = start + d.timeoutMs;
  d.notReady();
  await d.stopBackground?.().catch((err: unknown) => d.log.warn({ err }, 'stopping background work failed'));
  const drain = Math.floor(d.timeoutMs * (d.policy === 'destroy' ? 0.5 : 0.8));
  await d.grpc.shutdown(drain).catch((err: unknown) => d.log.warn({ err }, 'gRPC shutdown failed'));
  const report: ShutdownReport = { policy: d.policy, kept: 0, destroyed: 0, failed: [], timedOut: false, ms: 0 };
  const signal = AbortSignal.timeout(Math.max(1, deadline - now()));
  if (d.policy === 'destroy') {
    await resumePaused(d, signal);
    const r = await d.supervisor.destroyAll({ signal });
    Object.assign(report, { destroyed: r.destroyed, failed: r.failed, timedOut: signal.aborted });
  } else {
    report.timedOut = !(await waitSettled(d, signal));
    report.kept = d.supervisor.size;
    d.supervisor.stopAll();
  }
  report.ms = now() - start;
  d.log.info({ ...report }, report.policy === 'keep' ? 'workers kept for the next start' : 'workers destroyed on shutdown');
  return report;
}

/** Resumes every paused worker (errors ignored: stop thaws again). */
async function resumePaused(d: ShutdownDeps, signal: AbortSignal): Promise<void> {
  const paused = d.supervisor.all().filter((v) => v.state === 'paused');
  await Promise.allSettled(paused.map(async (v) => {
    const handle = d.supervisor.lookup(v.containerId || v.name, v.ownerId);
    if (handle.can('resume')) await handle.command('resume', { signal });
  }));
}

/** Resolves true once every worker is settled, false when `signal` aborts first. */
async function waitSettled(d: ShutdownDeps, signal: AbortSignal): Promise<boolean> {
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    if (d.supervisor.all().every((v) => SETTLED.has(v.state))) return true;
    if (signal.aborted) return false;
    await new Promise((r) => setTimeout(r, delay));
  }
}
