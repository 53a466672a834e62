/**
 * Options of the containerd adapter, built by the composition root from config (nothing here
 * reads the environment), and the pure defaults they resolve to.
 */
import type { CniNetworkOptions } from '../cni/network-options.js';

/** Minimal structured logger (a pino child satisfies it). */
export interface AdapterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: AdapterLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** Where the worker's network namespace comes from (see docs/runtime-containerd.md). */
export type NetnsMode = 'task' | 'precreated';

/**
 * Order of CNI and task start (reported as `RuntimeInfo.networkPhase`): `afterStart` starts the
 * worker process first and attaches the network while it boots (measured faster, see
 * docs/runtime-containerd.md); `beforeStart` attaches the network before the process runs.
 */
export type NetworkPhase = 'beforeStart' | 'afterStart';

/** The order the adapter uses unless told otherwise (chosen from bench/containerd-cold-start). */
export const DEFAULT_NETWORK_PHASE: NetworkPhase = 'afterStart';

export interface ContainerdRuntimeOptions {
  /** `CONTAINERD_SOCKET`. @default /run/containerd/containerd.sock */
  socket?: string | undefined;
  /** containerd namespace (the brand). */
  namespace: string;
  /** `CONTAINERD_SNAPSHOTTER`; see {@link resolveSnapshotter}. */
  snapshotter?: string | undefined;
  /** `CONTAINERD_RUNTIME`. @default io.containerd.runc.v2 */
  runtimeName?: string | undefined;
  /** Label test of contract §0 (created_by, `<B>_env`, `com.<B>.kind`): all must match. */
  managedLabels: Readonly<Record<string, string>>;
  /** `<B>_function`. */
  functionLabelKey: string;
  /** `com.<B>.owner`. */
  ownerLabelKey: string;
  cni: CniNetworkOptions;
  /** Per-worker resolv.conf files. @default /run/containerd/<namespace>/resolv */
  resolvConfDir?: string | undefined;
  /** Per-worker stdout/stderr logs. @default /var/log/esb-agent/<namespace> */
  logDir?: string | undefined;
  /** Log cap per worker. @default 10 MiB */
  logMaxBytes?: number | undefined;
  /** Deadline of each unary containerd call. @default 10000 */
  callTimeoutMs?: number | undefined;
  /** @default 'task' */
  netnsMode?: NetnsMode | undefined;
  /** @default {@link DEFAULT_NETWORK_PHASE} */
  networkPhase?: NetworkPhase | undefined;
  /** SIGKILL → exit wait before stop gives up. @default 10000 */
  killTimeoutMs?: number | undefined;
  now?: (() => number) | undefined;
  logger?: AdapterLogger | undefined;
  /** `IMAGE_PULL_POLICY`. @default 'if-not-present' */
  pullPolicy?: 'always' | 'if-not-present' | 'never' | undefined;
  /** Registry access for pulls (`CONTAINER_REGISTRY_INSECURE`, CA, credentials). */
  registry?: import('../images/registry-client.js').RegistryClientOptions | undefined;
}

export const DEFAULT_SOCKET = '/run/containerd/containerd.sock';
export const DEFAULT_RUNTIME = 'io.containerd.runc.v2';

/** Pure. `CONTAINERD_SNAPSHOTTER` (trimmed) → devmapper for aws.firecracker → overlayfs (the config's rule). */
export { resolveSnapshotter } from '../../config.js';

/** Pure. The containerd list filter of the label test (`labels."k"==v`, ANDed). */
export function managedFilter(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `labels.${JSON.stringify(k)}==${JSON.stringify(v)}`)
    .join(',');
}
