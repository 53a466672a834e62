/**
 * What the simulated runtime keeps per container, and the JSON-safe snapshot of its whole
 * state that tests use to assert nothing leaked.
 */
import type { ContainerStatus, ManagedContainer, RuntimeMetrics, WorkerSpec } from '../container-runtime.js';
import type { EchoEndpoint } from './echo-endpoint.js';
import type { SimOp } from './fault-plan.js';

/** Lifecycle of a simulated container: `created` has no running process yet. */
export type SimStatus = 'created' | 'running' | 'paused' | 'stopped';

export interface SimContainer {
  name: string;
  containerId: string;
  functionName: string;
  ownerId: string;
  image: string;
  labels: Readonly<Record<string, string>>;
  memoryLimitBytes: number | undefined;
  createdAt: number;
  status: SimStatus;
  startedAt: number;
  exitCode: number;
  exitTime: number;
  oomEvents: number;
  /** Set once the container ever ran (created-only containers are "incomplete"). */
  everStarted: boolean;
  endpoint?: EchoEndpoint | undefined;
}

export interface SimContainerView {
  name: string;
  containerId: string;
  functionName: string;
  ownerId: string;
  status: SimStatus;
  ipAddress?: string | undefined;
  exitCode?: number | undefined;
}

/** A point-in-time copy of everything the simulated runtime holds. */
export interface SimStateSnapshot {
  /** Every container, sorted by name. */
  containers: SimContainerView[];
  /** Names holding an IP lease (also leases whose container is already removed: a leak). */
  networks: string[];
  /** Names whose process runs (running or paused). */
  started: string[];
  paused: string[];
  images: string[];
  /** Names with an open HTTP endpoint. */
  endpoints: string[];
  /** Operations waiting on latency or a hang right now. */
  inFlight: Array<{ op: SimOp; name?: string | undefined }>;
  /** How many times each operation was called. */
  calls: Record<SimOp, number>;
}

/** Wire status of a simulated container. Pure. */
export function wireStatus(status: SimStatus): ContainerStatus {
  switch (status) {
    case 'running':
      return 'RUNNING';
    case 'paused':
      return 'PAUSED';
    case 'created':
    case 'stopped':
      return 'STOPPED';
  }
}

/** The `ManagedContainer` view of a simulated container. Pure. */
export function toManaged(c: SimContainer, ipAddress: string | undefined): ManagedContainer {
  const out: ManagedContainer = {
    containerId: c.containerId,
    name: c.name,
    functionName: c.functionName,
    ownerId: c.ownerId,
    status: wireStatus(c.status),
    createdAt: c.createdAt,
    labels: c.labels,
    image: c.image,
  };
  if (ipAddress !== undefined) out.ipAddress = ipAddress;
  if (c.status === 'stopped') out.exitCode = c.exitCode;
  if (!c.everStarted) out.incomplete = true;
  return out;
}

const MiB = 1024 * 1024;

/** A fresh `created` container for `spec`. Pure. */
export function newContainer(spec: WorkerSpec, containerId: string, createdAt: number): SimContainer {
  return {
    name: spec.name, containerId, functionName: spec.functionName, ownerId: spec.ownerId, image: spec.image,
    labels: spec.labels, memoryLimitBytes: spec.memoryLimitBytes, createdAt,
    status: 'created', startedAt: 0, exitCode: 0, exitTime: 0, oomEvents: 0, everStarted: false,
  };
}

/** Plausible, deterministic numbers: 16 MiB used (capped by the limit), 1% of a CPU. Pure. */
export function simMetrics(c: SimContainer, now: number): RuntimeMetrics {
  const live = c.status === 'running' || c.status === 'paused';
  const limit = c.memoryLimitBytes ?? 0;
  const used = live ? (limit > 0 ? Math.min(limit, 16 * MiB) : 16 * MiB) : 0;
  const end = live ? now : c.exitTime || c.startedAt;
  const ranMs = c.everStarted ? Math.max(0, end - c.startedAt) : 0;
  return {
    state: wireStatus(c.status),
    memoryCurrent: BigInt(used),
    memoryMax: BigInt(limit),
    oomEvents: BigInt(c.oomEvents),
    cpuUsageNs: BigInt(Math.round(ranMs * 10_000)),
    exitCode: c.status === 'stopped' ? c.exitCode : 0,
    exitTime: c.status === 'stopped' ? c.exitTime : 0,
    restartCount: 0,
  };
}
