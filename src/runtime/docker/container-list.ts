/**
 * Decodes `GET /containers/json` rows into {@link ManagedContainer}s: status mapping of
 * contract §2.3, IP from the row's own NetworkSettings (no per-container inspect). Pure.
 */
import type { ContainerStatus, ManagedContainer } from '../container-runtime.js';
import type { DockerContainerSummary, DockerEndpointSettings } from './docker-client.js';
import { labelKeys } from './docker-labels.js';
import type { DockerIdentity } from './docker-options.js';

/** Docker state → wire status: running/paused/exited|dead/other. Pure. */
export function statusFromDockerState(state: string | undefined): ContainerStatus {
  switch ((state ?? '').toLowerCase()) {
    case 'running':
      return 'RUNNING';
    case 'paused':
      return 'PAUSED';
    case 'exited':
    case 'dead':
      return 'STOPPED';
    default:
      return 'UNKNOWN';
  }
}

/** The IP on `network`, else the first non-empty IP on any network, else undefined. Pure. */
export function pickIp(networks: Record<string, DockerEndpointSettings | null> | undefined, network: string): string | undefined {
  if (!networks) return undefined;
  const preferred = networks[network]?.IPAddress;
  if (preferred) return preferred;
  for (const ep of Object.values(networks)) if (ep?.IPAddress) return ep.IPAddress;
  return undefined;
}

/** `Exited (137) 3 seconds ago` → 137. Pure. */
export function exitCodeFromStatus(status: string | undefined): number | undefined {
  const m = /^Exited \((-?\d+)\)/.exec(status ?? '');
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** One list row → ManagedContainer, or undefined when the function label is empty. Pure. */
export function toManagedContainer(row: DockerContainerSummary, id: DockerIdentity, network: string): ManagedContainer | undefined {
  const k = labelKeys(id.brand);
  const labels = row.Labels ?? {};
  const functionName = labels[k.function] ?? '';
  if (!functionName) return undefined;
  const status = statusFromDockerState(row.State);
  const state = (row.State ?? '').toLowerCase();
  return {
    containerId: row.Id,
    name: (row.Names?.[0] ?? '').replace(/^\//, ''),
    functionName,
    ownerId: (labels[k.owner] ?? '').trim(),
    status,
    createdAt: (row.Created ?? 0) * 1000,
    ipAddress: pickIp(row.NetworkSettings?.Networks ?? undefined, network),
    labels: { ...labels },
    image: row.Image,
    exitCode: status === 'STOPPED' ? exitCodeFromStatus(row.Status) : undefined,
    incomplete: state === 'created' ? true : undefined,
  };
}
