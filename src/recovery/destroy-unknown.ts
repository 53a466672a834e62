/**
 * Destroy of a container the runtime has but no actor knows (it appeared after adoption, or
 * another agent process with the same env created it): found by container id or name in the
 * runtime's managed list, removed when the owner matches, and checked to be gone: success is
 * never reported while it still exists.
 */
import { AgentError } from '../errors.js';
import type { ContainerRuntime, ManagedContainer } from '../runtime/container-runtime.js';
import { removeContainer } from './generic-recovery.js';

export interface DestroyUnknownOptions {
  /** SIGTERM → SIGKILL grace. */
  graceMs: number;
  signal?: AbortSignal | undefined;
  /** Called with the container before removal (logging). */
  onRemove?: ((c: ManagedContainer) => void) | undefined;
}

/** Pure. The listed container whose id or name is `id`. */
export function findListed(list: readonly ManagedContainer[], id: string): ManagedContainer | undefined {
  return list.find((c) => c.containerId === id || c.name === id);
}

/**
 * Removes the managed container `id` (container id or name) when `ownerId` owns it. Resolves
 * `false` when the runtime has no such container (nothing to do), `true` when it was removed.
 * @throws AgentError PERMISSION_DENIED (other owner), INTERNAL when it still exists afterwards,
 *   or the runtime's error.
 */
export async function destroyUnknown(runtime: ContainerRuntime, id: string, ownerId: string, opts: DestroyUnknownOptions): Promise<boolean> {
  const found = findListed(await runtime.list({ signal: opts.signal }), id);
  if (!found) return false;
  if (found.ownerId !== ownerId) throw new AgentError('PERMISSION_DENIED', 'owner_id does not match container');
  opts.onRemove?.(found);
  await removeContainer(runtime, found.name, opts.graceMs, opts.signal);
  if (findListed(await runtime.list({ signal: opts.signal }), id)) {
    throw new AgentError('INTERNAL', `failed to destroy container: ${found.name} still exists after removal`, { step: 'remove' });
  }
  return true;
}
