/**
 * Recovery for any {@link ContainerRuntime} (Docker, simulated): the runtime's own `list`
 * flags half-made containers (`incomplete`: Docker state `created`, simulated `created`); each is
 * stopped, detached and removed. Docker keeps no other state of ours outside its containers.
 */
import type { ContainerRuntime, ManagedContainer } from '../runtime/container-runtime.js';
import {
  incompleteReason, type CleanupOptions, type Leftover, type RecoverableRuntime, type RuntimeInventory,
} from './recoverable-runtime.js';

/** Stops, detaches and removes one container by name; every step tolerates "not found". Throws AgentError. */
export async function removeContainer(runtime: ContainerRuntime, name: string, graceMs: number, signal?: AbortSignal): Promise<void> {
  await runtime.stop(name, { graceMs, signal });
  await runtime.teardownNetwork(name, { signal });
  await runtime.remove(name, { signal });
}

/** Recovery through the plain runtime interface. */
export class GenericRecovery implements RecoverableRuntime {
  constructor(private readonly runtime: ContainerRuntime) {}

  async inventory(opts: { signal?: AbortSignal | undefined } = {}): Promise<RuntimeInventory> {
    return { containers: await this.runtime.list({ signal: opts.signal }), resources: {} };
  }

  async cleanupLeftovers(opts: CleanupOptions): Promise<Leftover[]> {
    const half = (await this.runtime.list({ signal: opts.signal })).filter((c) => c.incomplete);
    const out: Leftover[] = [];
    for (const c of half) out.push(await removeLeftoverContainer(this.runtime, c, opts));
    return out;
  }
}

/** Removes one half-made container and describes it. Never throws. */
export async function removeLeftoverContainer(runtime: ContainerRuntime, c: ManagedContainer, opts: CleanupOptions): Promise<Leftover> {
  const item: Leftover = { kind: 'container', id: c.name, reason: incompleteReason(c) };
  try {
    await removeContainer(runtime, c.name, opts.stopGraceMs, opts.signal);
  } catch (err) {
    item.error = err instanceof Error ? err.message : String(err);
  }
  return item;
}
