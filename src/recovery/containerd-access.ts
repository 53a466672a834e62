/**
 * Access to the containerd adapter's shared context (client, CNI executor, network, paths) for
 * the recovery code: the adapter's read-only `ctx` property, read here, in this one place.
 */
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { AdapterContext } from '../runtime/containerd/adapter-context.js';

/** The adapter context of a containerd runtime, or undefined for other runtimes. Pure. */
export function containerdContext(runtime: ContainerRuntime): AdapterContext | undefined {
  if (runtime.info.kind !== 'containerd') return undefined;
  const ctx = (runtime as unknown as { ctx?: AdapterContext }).ctx;
  return ctx && typeof ctx === 'object' && 'client' in ctx && 'cni' in ctx ? ctx : undefined;
}
