/**
 * Options of the brand's CNI network (contract §5.1 `CNI_*`), built by the composition root
 * from config. The containerd adapter takes them as `cni`; start-up of the network
 * (`prepareCniNetwork`) reads the subset it needs.
 */
/** CNI settings of the adapter; every field but `brand` has a default. */
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
