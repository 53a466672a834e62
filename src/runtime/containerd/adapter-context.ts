/** What every part of the containerd adapter shares: clients, resolved settings, helpers. */
import type { NetworkConfigList } from '../cni/conflist.js';
import type { CniExecutor } from '../cni/executor.js';
import type { ContainerdClient } from './client.js';
import type { ImageStore } from './image-store.js';
import type { AdapterLogger, NetnsMode } from './options.js';

export interface AdapterContext {
  client: ContainerdClient;
  images: ImageStore;
  cni: CniExecutor;
  network: NetworkConfigList;
  namespace: string;
  snapshotter: string;
  runtimeName: string;
  netnsMode: NetnsMode;
  ifName: string;
  dnsServer: string;
  resolvDir: string;
  logDir: string;
  killTimeoutMs: number;
  /** Deadline for task create/start (shim start-up is slow under load). */
  taskTimeoutMs: number;
  managedLabels: Readonly<Record<string, string>>;
  functionLabelKey: string;
  ownerLabelKey: string;
  now: () => number;
  log: AdapterLogger;
}

/** Pure. Id of the lease that protects a worker's snapshot while it is created. */
export function createLeaseId(name: string): string {
  return `esb-create-${name}`;
}

/** Pure. RFC3339 seconds (`2026-11-28T10:44:50Z`), the format of `containerd.io/gc.expire`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Type URL of the JSON OCI spec in `Container.spec`. */
export const SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
