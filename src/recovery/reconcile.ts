/**
 * The periodic reconcile (`AGENT_RECONCILE_INTERVAL_MS`, 0 = off): the safety net for changes
 * the event streams missed (a daemon restarted under the agent, a container removed or stopped
 * by hand). Each pass lists the runtime once and:
 * - an actor in a settled state (running/paused/stopped) whose container vanished is destroyed
 *   (its release steps treat "not found" as done, so CNI state is still released);
 * - an actor running/paused whose container stopped gets `runtime.exited`;
 * - running ⇄ paused drift is sent as `runtime.paused` / `runtime.resumed` when the machine
 *   accepts them (hook in docs/recovery.md), else logged;
 * - a complete container no actor knows, and that was not known before the list, is adopted.
 * Actors in a transitional state are left alone: their own step will meet the runtime.
 */
import type { Logger } from 'pino';
import type { SupervisorAdmin } from '../machines/supervisor-api.js';
import type { WorkerView } from '../machines/worker-types.js';
import type { ContainerRuntime, ManagedContainer } from '../runtime/container-runtime.js';
import { adoptable } from './adopt.js';

/** An event for one actor; returns whether its current state accepted it. */
export type WorkerSender = (name: string, event: { type: string; [k: string]: unknown }) => boolean;

export interface ReconcileDeps {
  runtime: Pick<ContainerRuntime, 'list'>;
  supervisor: Pick<SupervisorAdmin, 'all' | 'adopt'>;
  send: WorkerSender;
  log: Pick<Logger, 'info' | 'warn' | 'debug'>;
  now: () => number;
  newRequestId: () => string;
  /** Names being removed outside any actor (destroyUnknown): never adopted. */
  excluded?: (() => ReadonlySet<string>) | undefined;
}

export interface ReconcileResult {
  vanished: string[];
  exited: string[];
  drifted: string[];
  adopted: string[];
}

const SETTLED = new Set(['running', 'paused', 'stopped']);

/** One reconcile pass. Throws the runtime's AgentError when it cannot be listed. */
export async function reconcileOnce(d: ReconcileDeps, signal?: AbortSignal): Promise<ReconcileResult> {
  const before = new Map(d.supervisor.all().map((v) => [v.name, v]));
  const listed = await d.runtime.list({ signal });
  const byName = new Map(listed.map((c) => [c.name, c]));
  const now = new Map(d.supervisor.all().map((v) => [v.name, v]));
  const out: ReconcileResult = { vanished: [], exited: [], drifted: [], adopted: [] };
  for (const [name, view] of now) {
    const was = before.get(name);
    if (!was || !SETTLED.has(was.state) || !SETTLED.has(view.state)) continue;
    follow(d, view, byName.get(name), out);
  }
  const excluded = d.excluded?.() ?? new Set<string>();
  const fresh = listed.filter((c) => adoptable(c) && !before.has(c.name) && !now.has(c.name) && !excluded.has(c.name) && !excluded.has(c.containerId));
  if (fresh.length > 0) {
    const views = d.supervisor.adopt(fresh);
    out.adopted = views.map((v) => v.name);
    d.log.info({ workers: out.adopted }, 'reconcile adopted containers no actor knew');
  }
  return out;
}

/** Sends the event that makes one settled actor follow its container. */
function follow(d: ReconcileDeps, view: WorkerView, c: ManagedContainer | undefined, out: ReconcileResult): void {
  const at = d.now();
  if (!c) {
    if (d.send(view.name, { type: 'worker.destroy', requestId: d.newRequestId(), at })) out.vanished.push(view.name);
    d.log.warn({ worker: view.name, state: view.state }, 'reconcile: container vanished outside the agent; releasing the worker');
    return;
  }
  if (c.status === 'STOPPED' && view.status !== 'STOPPED') {
    if (d.send(view.name, { type: 'runtime.exited', exitCode: c.exitCode ?? -1, at })) out.exited.push(view.name);
    d.log.warn({ worker: view.name, exitCode: c.exitCode }, 'reconcile: container stopped outside the agent');
    return;
  }
  const drift = c.status === 'PAUSED' && view.status === 'RUNNING' ? 'runtime.paused'
    : c.status === 'RUNNING' && view.status === 'PAUSED' ? 'runtime.resumed' : undefined;
  if (!drift) return;
  out.drifted.push(view.name);
  if (!d.send(view.name, { type: drift, at })) {
    d.log.warn({ worker: view.name, actor: view.status, runtime: c.status }, 'reconcile: state changed outside the agent and the worker machine has no event for it');
  }
}

export interface ReconcileLoop {
  /** Runs one pass now (also used by tests); never rejects, errors are logged. */
  runOnce(): Promise<ReconcileResult | undefined>;
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
}

/** Starts the periodic reconcile; `intervalMs` 0 returns a loop that never runs on its own. */
export function startReconcile(d: ReconcileDeps, intervalMs: number): ReconcileLoop {
  const abort = new AbortController();
  let running: Promise<ReconcileResult | undefined> | undefined;
  const runOnce = (): Promise<ReconcileResult | undefined> => (running ??= reconcileOnce(d, abort.signal)
    .catch((err: unknown) => {
      if (!abort.signal.aborted) d.log.warn({ err }, 'reconcile pass failed; next pass at the next interval');
      return undefined;
    })
    .finally(() => (running = undefined)));
  const timer = intervalMs > 0 ? setInterval(() => void runOnce(), intervalMs) : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      abort.abort();
      await running;
    },
  };
}
