/**
 * Options of the containerd adapter, built by the composition root from config (nothing here
 * reads the environment), and the pure defaults they resolve to.
 */

/** Minimal structured logger (a pino child satisfies it). */
export interface AdapterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: AdapterLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

export interface CniNetworkOptions {
  /** Plugin dirs (`CNI_BIN_DIR`). @default ['/opt/cni/bin'] */
  binDirs?: string[] | undefined;
  /** `CNI_CONF_DIR`. @default /etc/cni/net.d */
  confDir?: string | undefined;
  /** `CNI_CONF_FILE`. @default `<confDir>/10-<network>.conflist` */
  confFile?: string | undefined;
  /** Result cache. @default /var/lib/cni/results */
  cacheDir?: string | undefined;
  /** Brand slug; network `<brand>-net`, derived bridge and subnet. */
  brand: string;
  /** `CNI_SUBNET`; derived with collision probing when absent. */
  subnet?: string | undefined;
  /** `CNI_BRIDGE`; derived when absent. */
  bridge?: string | undefined;
  /** `CNI_DNS_SERVER`. */
  dnsServer?: string | undefined;
  /** `CNI_GW_IP`. */
  gwIp?: string | undefined;
  /** `CNI_IP_MASQ`. @default true */
  ipMasq?: boolean | undefined;
  /** `CNI_DEFAULT_ROUTE`. @default true */
  defaultRoute?: boolean | undefined;
  /** host-local dataDir (tests). @default host-local's /var/lib/cni/networks */
  ipamDataDir?: string | undefined;
  /** Identity file, `null` to skip. @default /var/lib/cni/esb-cni.env */
  identityFile?: string | null | undefined;
  /** Write the generated conflist at start-up. @default true */
  generate?: boolean | undefined;
  /** Interface name in the worker. @default eth0 */
  ifName?: string | undefined;
  /** Plugin kill timeout. @default 30000 */
  pluginTimeoutMs?: number | undefined;
}

/** Where the worker's network namespace comes from (see docs/runtime-containerd.md). */
export type NetnsMode = 'task' | 'precreated';

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
