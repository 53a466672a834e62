/**
 * Adoption: the runtime's managed containers (this env, all owners) get an actor each, in the
 * state that matches reality (running, paused, stopped), with owner, function, created time and
 * IP as the runtime reports them (containerd: the cached CNI result; Docker: the list's network
 * settings). Half-made containers are left to start-up cleanup and never adopted.
 */
import type { SupervisorAdmin } from '../machines/supervisor-api.js';
import type { WorkerView } from '../machines/worker-types.js';
import type { ContainerRuntime, ManagedContainer } from '../runtime/container-runtime.js';

export interface AdoptResult {
  adopted: WorkerView[];
  /** Containers not adopted because they are half-made (cleanup's job) or already known. */
  skipped: ManagedContainer[];
  /** Wall time of list + adopt, ms. */
  ms: number;
  /** Of which the `supervisor.adopt` call, ms. */
  spawnMs: number;
}

/** Pure. Whether a listed container is adoptable (complete and in a state we can follow). */
export function adoptable(c: ManagedContainer): boolean {
  return !c.incomplete && (c.status === 'RUNNING' || c.status === 'PAUSED' || c.status === 'STOPPED');
}

/**
 * Lists the runtime and adopts every adoptable container the supervisor does not know yet.
 * Throws the runtime's AgentError when it cannot be listed.
 */
export async function adoptExisting(
  runtime: Pick<ContainerRuntime, 'list'>,
  supervisor: Pick<SupervisorAdmin, 'adopt'>,
  opts: { signal?: AbortSignal | undefined; now?: () => number } = {},
): Promise<AdoptResult> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const listed = await runtime.list({ signal: opts.signal });
  return adoptListed(listed, supervisor, t0, now);
}

/** Adopts the adoptable containers of an existing list (the reconcile loop reuses its list). */
export function adoptListed(
  listed: readonly ManagedContainer[], supervisor: Pick<SupervisorAdmin, 'adopt'>, t0: number, now: () => number,
): AdoptResult {
  const candidates = listed.filter(adoptable);
  const t1 = now();
  const adopted = supervisor.adopt(candidates);
  const t2 = now();
  const names = new Set(adopted.map((v) => v.name));
  return { adopted, skipped: listed.filter((c) => !names.has(c.name)), ms: t2 - t0, spawnMs: t2 - t1 };
}
