/**
 * The agent's configuration, read once from an env map (never `process.env` directly) and
 * validated here, in one place. Names, defaults and parsing of contract §5.1 are kept; our own
 * variables are documented in {@link CONFIG_VARIABLES} (which also renders
 * `docs/configuration.md`).
 *
 * Where we deliberately differ from the Go agent: an invalid value is a startup error naming
 * the variable (a typo in `AGENT_RUNTIME` no longer means docker; unknown log levels, pull
 * policies and booleans are refused), and `ENV` must be usable in container names.
 */
import { IdentityError, resolveIdentity, type StackIdentity } from './identity.js';
import { DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_RESPONSE_BYTES, grpcMessageLimits } from './invoke/message-limits.js';
import type { OpClass } from './runtime/limiter.js';

/** An invalid or missing configuration value; `variable` names the env variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

export type RuntimeChoice = 'containerd' | 'docker' | 'simulated' | 'auto';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'text' | 'json';
export type PullPolicy = 'always' | 'if-not-present' | 'never';
export type ShutdownPolicy = 'keep' | 'destroy';

export interface Config {
  /** `ENV`, trimmed. Required. */
  env: string;
  /** `CONTAINERS_NETWORK`, trimmed: docker network to attach; identity fallback. Required. */
  containersNetwork: string;
  /** Brand and derived names (from `ESB_BRAND_SLUG` / `PROJECT_NAME` / `CONTAINERS_NETWORK`). */
  identity: StackIdentity;
  runtime: {
    /** `AGENT_RUNTIME`; `auto` is resolved by the composition root. @default 'auto' */
    kind: RuntimeChoice;
  };
  grpc: {
    /** `AGENT_GRPC_HOST`. @default '0.0.0.0' */
    host: string;
    /** `PORT`. @default 50051 */
    port: number;
    /** `AGENT_GRPC_REFLECTION=1`. @default false */
    reflection: boolean;
    /** `AGENT_GRPC_MAX_RECEIVE_SIZE` bytes. @default max(4 MiB, invoke.maxRequestBytes + 64 KiB) */
    maxReceiveBytes: number;
    /** `AGENT_GRPC_MAX_SEND_SIZE` bytes. @default max(4 MiB, invoke.maxResponseBytes + 64 KiB) */
    maxSendBytes: number;
  };
  tls: {
    /** `AGENT_GRPC_TLS_DISABLED=1`. @default false */
    disabled: boolean;
    /** `AGENT_GRPC_CERT_PATH`. @default '/app/config/ssl/server.crt' */
    certPath: string;
    /** `AGENT_GRPC_KEY_PATH`. @default '/app/config/ssl/server.key' */
    keyPath: string;
    /** `AGENT_GRPC_CA_CERT_PATH`. @default '/usr/local/share/ca-certificates/rootCA.crt' */
    caCertPath: string;
  };
  log: {
    /** `AGENT_LOG_LEVEL`, else `LOG_LEVEL` (`warning` = `warn`). @default 'info' */
    level: LogLevel;
    /** `AGENT_LOG_FORMAT`. @default 'text' */
    format: LogFormat;
  };
  invoke: {
    /** `AGENT_INVOKE_MAX_RESPONSE_SIZE` bytes (> 0, else the default). @default 10485760 */
    maxResponseBytes: number;
    /** `AGENT_INVOKE_MAX_REQUEST_SIZE` bytes: largest InvokeWorker payload. @default 6291456 */
    maxRequestBytes: number;
    /** `AGENT_INVOKE_AUTO_RESUME`: InvokeWorker on a paused worker resumes it first. @default false */
    autoResume: boolean;
  };
  containerd: {
    /** `CONTAINERD_SOCKET`. @default '/run/containerd/containerd.sock' */
    socket: string;
    /** `CONTAINERD_RUNTIME` (e.g. `aws.firecracker`); undefined = containerd's default. @default undefined */
    runtime: string | undefined;
    /** `CONTAINERD_SNAPSHOTTER`, resolved by {@link resolveSnapshotter}. @default 'overlayfs' */
    snapshotter: string;
  };
  cni: {
    /** `CNI_CONF_DIR`. @default '/etc/cni/net.d' */
    confDir: string;
    /** `CNI_CONF_FILE`. @default '<confDir>/10-<B>-net.conflist' */
    confFile: string;
    /** `CNI_BIN_DIR`. @default '/opt/cni/bin' */
    binDir: string;
    /** `CNI_SUBNET`; undefined = derive with the collision probe at startup. @default undefined */
    subnet: string | undefined;
    /** `CNI_BRIDGE`. @default identity.bridge */
    bridge: string;
    /** `CNI_GW_IP`. @default undefined */
    gatewayIp: string | undefined;
    /** `CNI_DNS_SERVER`. @default undefined */
    dnsServer: string | undefined;
    /** `CNI_NET_DIR` (host-local IPAM state). @default '/var/lib/cni/networks' */
    netDir: string;
    /** `CNI_IP_MASQ`: bridge plugin `ipMasq`. @default true */
    ipMasq: boolean;
    /** `CNI_DEFAULT_ROUTE`: give workers a `0.0.0.0/0` route. @default true */
    defaultRoute: boolean;
  };
  images: {
    /** `IMAGE_PULL_POLICY`. @default 'if-not-present' */
    pullPolicy: PullPolicy;
    /** `CONTAINER_REGISTRY`. @default 'registry:5010' */
    registry: string;
    /** `CONTAINER_REGISTRY_INSECURE` (1/true/yes/on): plain HTTP. @default false */
    registryInsecure: boolean;
    /** `<ENVPREFIX>_TAG` (e.g. `ESB_TAG`), for the fallback image only. @default 'latest' */
    fallbackTag: string;
  };
  docker: {
    /** `DOCKER_HOST`; undefined = the local socket. @default undefined */
    host: string | undefined;
    /** `DOCKER_API_VERSION`. @default undefined */
    apiVersion: string | undefined;
    /** `DOCKER_CERT_PATH`. @default undefined */
    certPath: string | undefined;
    /** `DOCKER_TLS_VERIFY` (non-empty = on). @default false */
    tlsVerify: boolean;
  };
  /** `AGENT_LIMIT_*`: concurrent operations per class. @default pull 3, others 8 */
  limits: Readonly<Record<OpClass, number>>;
  worker: {
    /** `AGENT_STOP_GRACE_MS`: SIGTERM → SIGKILL. @default 2000 */
    stopGraceMs: number;
    /** `AGENT_READINESS_WAIT`: Ensure waits until port 8080 accepts a connection. @default true */
    readinessWait: boolean;
    /** `AGENT_READINESS_TIMEOUT_MS`. @default 10000 */
    readinessTimeoutMs: number;
    /** `AGENT_WORKER_LOG_DIR`. @default '/var/log/esb-agent/workers' */
    logDir: string;
    /** `AGENT_WORKER_LOG_MAX_BYTES` per worker log file. @default 10485760 */
    logMaxBytes: number;
  };
  metrics: {
    /** `AGENT_METRICS_PORT`. @default 9091 */
    port: number;
  };
  http: {
    /** `AGENT_HTTP_HOST` (metrics and status). @default '127.0.0.1' */
    host: string;
    /** `AGENT_HTTP_PORT`. @default metrics.port */
    port: number;
    /** `AGENT_HTTP_BASIC_AUTH` as `user:pass`. @default undefined */
    basicAuth: { user: string; password: string } | undefined;
  };
  inspect: {
    /** `AGENT_INSPECT=1`: serve the @statelyai/inspect websocket. @default false */
    enabled: boolean;
    /** `AGENT_INSPECT_PORT`. @default 9092 */
    port: number;
  };
  shutdown: {
    /** `AGENT_SHUTDOWN_TIMEOUT` ms. @default 10000 */
    timeoutMs: number;
    /** `AGENT_SHUTDOWN_POLICY`: keep or destroy workers on shutdown. @default 'keep' */
    policy: ShutdownPolicy;
  };
  reconcile: {
    /** `AGENT_RECONCILE_INTERVAL_MS`; 0 = off. @default 30000 */
    intervalMs: number;
  };
  journal: {
    /** `AGENT_JOURNAL`: JSONL journal file; undefined = no journal. @default undefined */
    path: string | undefined;
  };
  simulated: {
    /** `AGENT_SIM_ENDPOINTS`: simulated workers answer on 127.x.y.z:8080. @default true */
    endpoints: boolean;
  };
  /** Things worth a startup warning (ignored values, deprecated variables). */
  warnings: readonly string[];
}

/** Default `AGENT_INVOKE_MAX_RESPONSE_SIZE` (10 MiB). */
export const DEFAULT_INVOKE_MAX_RESPONSE = DEFAULT_MAX_RESPONSE_BYTES;
export const DEFAULT_LIMITS: Readonly<Record<OpClass, number>> = Object.freeze({ pull: 3, create: 8, network: 8, start: 8, destroy: 8 });

/** One documented variable: name, default (as shown in the docs) and meaning. */
export interface VariableDoc {
  name: string;
  group: string;
  default: string;
  description: string;
}

const doc = (group: string, name: string, dflt: string, description: string): VariableDoc => ({ name, group, default: dflt, description });

/** Every variable the agent reads, for docs and `describeConfig`. */
export const CONFIG_VARIABLES: readonly VariableDoc[] = Object.freeze([
  doc('identity', 'ENV', '(required)', 'Environment name; used in worker names and the `<B>_env` label. Must be letters/digits with single `.`, `_` or `-` between them.'),
  doc('identity', 'CONTAINERS_NETWORK', '(required)', 'Docker network workers join; last brand fallback (`-external` and `-<ENV>` stripped; `bridge`/`host`/`none` ignored).'),
  doc('identity', 'ESB_BRAND_SLUG', '–', 'Brand `B` (highest priority), sanitised to `[a-z0-9-]`.'),
  doc('identity', 'PROJECT_NAME', '–', 'Brand fallback: project name minus a trailing `-<ENV>`/`_<ENV>`.'),
  doc('identity', '<B>_TAG', '`latest`', 'Tag of the (unreachable) fallback image, e.g. `ESB_TAG`.'),
  doc('runtime', 'AGENT_RUNTIME', '`auto`', '`containerd`, `docker` or `simulated`; unset = containerd when its socket answers, else docker (see docs/running.md). Anything else is an error (the Go agent silently used docker).'),
  doc('grpc', 'PORT', '`50051`', 'gRPC port.'),
  doc('grpc', 'AGENT_GRPC_HOST', '`0.0.0.0`', 'gRPC bind address (the Go agent listens on all interfaces).'),
  doc('grpc', 'AGENT_GRPC_REFLECTION', '`0`', '`1` enables gRPC server reflection.'),
  doc('grpc', 'AGENT_GRPC_MAX_RECEIVE_SIZE', 'request cap + 64 KiB (`6356992`), at least 4 MiB', 'Largest gRPC message accepted, bytes (InvokeWorker payloads).'),
  doc('grpc', 'AGENT_GRPC_MAX_SEND_SIZE', 'response cap + 64 KiB (`10551296`), at least 4 MiB', 'Largest gRPC message sent, bytes (InvokeWorker replies; the gateway\'s channel needs a receive limit at least this large).'),
  doc('tls', 'AGENT_GRPC_TLS_DISABLED', '`0`', 'Only `1` disables mTLS (a warning is logged). `0` or unset keeps it.'),
  doc('tls', 'AGENT_GRPC_CERT_PATH', '`/app/config/ssl/server.crt`', 'Server certificate (PEM).'),
  doc('tls', 'AGENT_GRPC_KEY_PATH', '`/app/config/ssl/server.key`', 'Server private key (PEM).'),
  doc('tls', 'AGENT_GRPC_CA_CERT_PATH', '`/usr/local/share/ca-certificates/rootCA.crt`', 'CA that client certificates must chain to (only this CA, not the system store).'),
  doc('log', 'AGENT_LOG_LEVEL', '`info`', '`trace`, `debug`, `info`, `warn`/`warning`, `error`, `fatal` or `silent` (case-insensitive). Falls back to `LOG_LEVEL`.'),
  doc('log', 'LOG_LEVEL', '`info`', 'Used when `AGENT_LOG_LEVEL` is unset; same values.'),
  doc('log', 'AGENT_LOG_FORMAT', '`text`', '`text` (one readable line) or `json` (pino JSON lines); logs go to stderr.'),
  doc('invoke', 'AGENT_INVOKE_MAX_RESPONSE_SIZE', '`10485760`', 'Largest worker response body InvokeWorker returns; values ≤ 0 or not integers keep the default (with a warning).'),
  doc('invoke', 'AGENT_INVOKE_MAX_REQUEST_SIZE', '`6291456`', 'Largest InvokeWorker payload, bytes (Lambda\'s synchronous limit); larger ones get RESOURCE_EXHAUSTED before the worker sees them.'),
  doc('invoke', 'AGENT_INVOKE_AUTO_RESUME', '`0`', '`1`: InvokeWorker on a paused worker resumes it first instead of failing.'),
  doc('containerd', 'CONTAINERD_SOCKET', '`/run/containerd/containerd.sock`', 'containerd gRPC socket.'),
  doc('containerd', 'CONTAINERD_RUNTIME', '–', 'containerd runtime name (e.g. `aws.firecracker`, which also switches the default snapshotter to `devmapper`).'),
  doc('containerd', 'CONTAINERD_SNAPSHOTTER', '`overlayfs` (`devmapper` for firecracker)', 'Snapshotter for pull/unpack and containers.'),
  doc('cni', 'CNI_CONF_DIR', '`/etc/cni/net.d`', 'Where the conflist is written and other networks\' subnets are probed.'),
  doc('cni', 'CNI_CONF_FILE', '`<dir>/10-<B>-net.conflist`', 'Conflist loaded for workers.'),
  doc('cni', 'CNI_BIN_DIR', '`/opt/cni/bin`', 'CNI plugin binaries.'),
  doc('cni', 'CNI_SUBNET', 'derived `/23` with collision probe', 'Worker subnet (IPv4 CIDR, prefix < 31).'),
  doc('cni', 'CNI_BRIDGE', 'derived (`esb-<4><6 hex>`)', 'Bridge name.'),
  doc('cni', 'CNI_GW_IP', '–', 'Gateway IP; DNS fallback #2.'),
  doc('cni', 'CNI_DNS_SERVER', '–', 'Nameserver written to workers\' resolv.conf (DNS #1).'),
  doc('cni', 'CNI_NET_DIR', '`/var/lib/cni/networks`', 'host-local IPAM state directory.'),
  doc('cni', 'CNI_IP_MASQ', '`true`', 'Bridge plugin `ipMasq` (tests set `false`).'),
  doc('cni', 'CNI_DEFAULT_ROUTE', '`true`', 'Give workers a default route (tests set `false`).'),
  doc('images', 'IMAGE_PULL_POLICY', '`if-not-present`', '`always`, `if-not-present` or `never`.'),
  doc('images', 'CONTAINER_REGISTRY', '`registry:5010`', 'Registry of the fallback image.'),
  doc('images', 'CONTAINER_REGISTRY_INSECURE', '`false`', '`1`/`true`/`yes`/`on`: plain HTTP to registries (`0`/`false`/`no`/`off` = TLS).'),
  doc('docker', 'DOCKER_HOST', 'local socket', 'Docker daemon address.'),
  doc('docker', 'DOCKER_API_VERSION', '–', 'Docker API version to use.'),
  doc('docker', 'DOCKER_CERT_PATH', '–', 'Directory with `ca.pem`, `cert.pem`, `key.pem` for a TLS daemon.'),
  doc('docker', 'DOCKER_TLS_VERIFY', '–', 'Non-empty: verify the daemon\'s certificate.'),
  doc('limits', 'AGENT_LIMIT_PULL', '`3`', 'Concurrent image pulls.'),
  doc('limits', 'AGENT_LIMIT_CREATE', '`8`', 'Concurrent container creates.'),
  doc('limits', 'AGENT_LIMIT_NETWORK', '`8`', 'Concurrent network setups/teardowns.'),
  doc('limits', 'AGENT_LIMIT_START', '`8`', 'Concurrent starts.'),
  doc('limits', 'AGENT_LIMIT_DESTROY', '`8`', 'Concurrent stop/remove sequences.'),
  doc('worker', 'AGENT_STOP_GRACE_MS', '`2000`', 'Time between SIGTERM and SIGKILL on destroy.'),
  doc('worker', 'AGENT_READINESS_WAIT', '`1`', '`1`: EnsureContainer returns once the worker accepts connections on 8080.'),
  doc('worker', 'AGENT_READINESS_TIMEOUT_MS', '`10000`', 'How long the readiness wait may take.'),
  doc('worker', 'AGENT_WORKER_LOG_DIR', '`/var/log/esb-agent/workers`', 'Where worker stdout/stderr are written.'),
  doc('worker', 'AGENT_WORKER_LOG_MAX_BYTES', '`10485760`', 'Size cap of each worker log file.'),
  doc('http', 'AGENT_METRICS_PORT', '`9091`', 'Prometheus metrics port.'),
  doc('http', 'AGENT_HTTP_PORT', '= `AGENT_METRICS_PORT`', 'Port of the HTTP listener (metrics, status).'),
  doc('http', 'AGENT_HTTP_HOST', '`127.0.0.1`', 'Bind address of the HTTP listener.'),
  doc('http', 'AGENT_HTTP_BASIC_AUTH', '–', '`user:pass` required on the HTTP listener.'),
  doc('inspect', 'AGENT_INSPECT', '`0`', '`1` serves live actor inspection (@statelyai/inspect).'),
  doc('inspect', 'AGENT_INSPECT_PORT', '`9092`', 'Inspection websocket port.'),
  doc('shutdown', 'AGENT_SHUTDOWN_TIMEOUT', '`10000`', 'Milliseconds shutdown may take before in-flight work is abandoned.'),
  doc('shutdown', 'AGENT_SHUTDOWN_POLICY', '`keep`', '`keep` leaves workers running for the next agent; `destroy` removes them.'),
  doc('reconcile', 'AGENT_RECONCILE_INTERVAL_MS', '`30000`', 'Interval of the runtime/actor reconcile loop; `0` turns it off.'),
  doc('journal', 'AGENT_JOURNAL', '–', 'File to append the JSONL event journal to.'),
  doc('simulated', 'AGENT_SIM_ENDPOINTS', '`1`', 'Simulated workers serve the RIE echo on `127.x.y.z:8080` (`0` for benchmarks).'),
]);

type Env = Readonly<Record<string, string | undefined>>;

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];
/** Same rule as worker names, so `{brand}-{env}-…` stays a valid identifier. */
const ENV_RULE = /^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$/;

/** Typed access to the env map; every parse error names its variable. */
class EnvReader {
  readonly warnings: string[] = [];
  constructor(private readonly env: Env) {}

  /** Trimmed value, or undefined when unset or blank. */
  str(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  fail(name: string, accepted: string): never {
    throw new ConfigError(name, `${name}=${JSON.stringify(this.env[name])} is invalid: expected ${accepted}`);
  }

  int(name: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.str(name);
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.fail(name, max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`);
    }
    return Number(v);
  }

  port(name: string, dflt: number): number {
    return this.int(name, dflt, 0, 65535);
  }

  /** Booleans in any of 1/0, true/false, yes/no, on/off. */
  bool(name: string, dflt: boolean): boolean {
    const v = this.str(name)?.toLowerCase();
    if (v === undefined) return dflt;
    if (TRUE_WORDS.includes(v)) return true;
    if (FALSE_WORDS.includes(v)) return false;
    return this.fail(name, '1/true/yes/on or 0/false/no/off');
  }

  /** The Go agent's "only the exact value 1 turns it on" flags; `0` or unset is off. */
  flag1(name: string): boolean {
    const v = this.str(name);
    if (v === undefined || v === '0') return false;
    if (v === '1') return true;
    return this.fail(name, '"1" (on) or "0" (off)');
  }

  oneOf<T extends string>(name: string, values: readonly T[], dflt: T, alias: Record<string, T> = {}): T {
    const v = this.str(name)?.toLowerCase();
    if (v === undefined) return dflt;
    if ((values as readonly string[]).includes(v)) return v as T;
    if (alias[v] !== undefined) return alias[v];
    return this.fail(name, `one of ${[...values, ...Object.keys(alias)].join(', ')}`);
  }

  required(name: string, what: string): string {
    const v = this.str(name);
    if (v === undefined) throw new ConfigError(name, `${name} is required: ${what}`);
    return v;
  }
}

/**
 * The snapshotter rule of §3: `CONTAINERD_SNAPSHOTTER` (trimmed) when set, else `devmapper`
 * for the `aws.firecracker` runtime, else `overlayfs`. Pure.
 */
export function resolveSnapshotter(override: string | undefined, containerdRuntime: string | undefined): string {
  const o = override?.trim();
  if (o) return o;
  return containerdRuntime?.trim() === 'aws.firecracker' ? 'devmapper' : 'overlayfs';
}

function identitySection(r: EnvReader, env: Env) {
  const envName = r.required('ENV', 'the environment name used in worker names and labels');
  if (!ENV_RULE.test(envName)) r.fail('ENV', "letters and digits with single '.', '_' or '-' between them (it is part of every worker name)");
  const containersNetwork = r.required('CONTAINERS_NETWORK', 'the network workers join (also the last brand fallback)');
  try {
    const identity = resolveIdentity({ ESB_BRAND_SLUG: env['ESB_BRAND_SLUG'], PROJECT_NAME: env['PROJECT_NAME'], ENV: envName, CONTAINERS_NETWORK: containersNetwork });
    return { env: envName, containersNetwork, identity };
  } catch (err) {
    if (err instanceof IdentityError) throw new ConfigError('ESB_BRAND_SLUG', err.message);
    throw err;
  }
}

function invokeSection(r: EnvReader) {
  const raw = r.str('AGENT_INVOKE_MAX_RESPONSE_SIZE');
  let maxResponseBytes = DEFAULT_INVOKE_MAX_RESPONSE;
  if (raw !== undefined) {
    if (/^\d+$/.test(raw) && Number(raw) > 0 && Number.isSafeInteger(Number(raw))) maxResponseBytes = Number(raw);
    else r.warnings.push(`AGENT_INVOKE_MAX_RESPONSE_SIZE=${JSON.stringify(raw)} is not a positive integer; using ${DEFAULT_INVOKE_MAX_RESPONSE}`);
  }
  const maxRequestBytes = r.int('AGENT_INVOKE_MAX_REQUEST_SIZE', DEFAULT_MAX_REQUEST_BYTES, 1);
  return { maxResponseBytes, maxRequestBytes, autoResume: r.bool('AGENT_INVOKE_AUTO_RESUME', false) };
}

function grpcSection(r: EnvReader, invoke: { maxResponseBytes: number; maxRequestBytes: number }) {
  const limits = grpcMessageLimits(invoke);
  return {
    host: r.str('AGENT_GRPC_HOST') ?? '0.0.0.0',
    port: r.port('PORT', 50051),
    reflection: r.flag1('AGENT_GRPC_REFLECTION'),
    maxReceiveBytes: r.int('AGENT_GRPC_MAX_RECEIVE_SIZE', limits.maxReceiveMessageLength, 1),
    maxSendBytes: r.int('AGENT_GRPC_MAX_SEND_SIZE', limits.maxSendMessageLength, 1),
  };
}

function tlsSection(r: EnvReader) {
  if (r.str('AGENT_GRPC_TLS_ENABLED') !== undefined) {
    r.warnings.push('AGENT_GRPC_TLS_ENABLED is ignored: mTLS is on unless AGENT_GRPC_TLS_DISABLED=1');
  }
  return {
    disabled: r.flag1('AGENT_GRPC_TLS_DISABLED'),
    certPath: r.str('AGENT_GRPC_CERT_PATH') ?? '/app/config/ssl/server.crt',
    keyPath: r.str('AGENT_GRPC_KEY_PATH') ?? '/app/config/ssl/server.key',
    caCertPath: r.str('AGENT_GRPC_CA_CERT_PATH') ?? '/usr/local/share/ca-certificates/rootCA.crt',
  };
}

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function logSection(r: EnvReader) {
  const levelVar = r.str('AGENT_LOG_LEVEL') !== undefined ? 'AGENT_LOG_LEVEL' : 'LOG_LEVEL';
  return {
    level: r.oneOf<LogLevel>(levelVar, LEVELS, 'info', { warning: 'warn' }),
    format: r.oneOf<LogFormat>('AGENT_LOG_FORMAT', ['text', 'json'], 'text'),
  };
}

function containerdSection(r: EnvReader) {
  const runtime = r.str('CONTAINERD_RUNTIME');
  return {
    socket: r.str('CONTAINERD_SOCKET') ?? '/run/containerd/containerd.sock',
    runtime,
    snapshotter: resolveSnapshotter(r.str('CONTAINERD_SNAPSHOTTER'), runtime),
  };
}

function cniSection(r: EnvReader, identity: StackIdentity) {
  const confDir = r.str('CNI_CONF_DIR') ?? '/etc/cni/net.d';
  const subnet = r.str('CNI_SUBNET');
  if (subnet !== undefined && !isUsableCidr(subnet)) r.fail('CNI_SUBNET', 'an IPv4 CIDR with a prefix below 31, e.g. 10.20.0.0/24');
  for (const name of ['CNI_GW_IP', 'CNI_DNS_SERVER']) {
    const v = r.str(name);
    if (v !== undefined && !isIpv4(v)) r.fail(name, 'an IPv4 address');
  }
  return {
    confDir,
    confFile: r.str('CNI_CONF_FILE') ?? `${confDir.replace(/\/+$/, '')}/10-${identity.cniNetwork}.conflist`,
    binDir: r.str('CNI_BIN_DIR') ?? '/opt/cni/bin',
    subnet,
    bridge: r.str('CNI_BRIDGE') ?? identity.bridge,
    gatewayIp: r.str('CNI_GW_IP'),
    dnsServer: r.str('CNI_DNS_SERVER'),
    netDir: r.str('CNI_NET_DIR') ?? '/var/lib/cni/networks',
    ipMasq: r.bool('CNI_IP_MASQ', true),
    defaultRoute: r.bool('CNI_DEFAULT_ROUTE', true),
  };
}

function isIpv4(v: string): boolean {
  const parts = v.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isUsableCidr(v: string): boolean {
  const [ip, prefix, extra] = v.split('/');
  return extra === undefined && ip !== undefined && isIpv4(ip) && prefix !== undefined && /^\d{1,2}$/.test(prefix) && Number(prefix) < 31;
}

function imagesSection(r: EnvReader, identity: StackIdentity) {
  const insecure = r.str('CONTAINER_REGISTRY_INSECURE')?.toLowerCase();
  if (insecure !== undefined && !TRUE_WORDS.includes(insecure) && !FALSE_WORDS.includes(insecure)) {
    r.fail('CONTAINER_REGISTRY_INSECURE', '1/true/yes/on (plain HTTP) or 0/false/no/off');
  }
  return {
    pullPolicy: r.oneOf<PullPolicy>('IMAGE_PULL_POLICY', ['always', 'if-not-present', 'never'], 'if-not-present'),
    registry: r.str('CONTAINER_REGISTRY') ?? 'registry:5010',
    registryInsecure: insecure !== undefined && TRUE_WORDS.includes(insecure),
    fallbackTag: r.str(`${identity.envPrefix}_TAG`) ?? 'latest',
  };
}

function dockerSection(r: EnvReader) {
  return {
    host: r.str('DOCKER_HOST'),
    apiVersion: r.str('DOCKER_API_VERSION'),
    certPath: r.str('DOCKER_CERT_PATH'),
    tlsVerify: r.str('DOCKER_TLS_VERIFY') !== undefined,
  };
}

function limitsSection(r: EnvReader): Record<OpClass, number> {
  return {
    pull: r.int('AGENT_LIMIT_PULL', DEFAULT_LIMITS.pull, 1, 1024),
    create: r.int('AGENT_LIMIT_CREATE', DEFAULT_LIMITS.create, 1, 1024),
    network: r.int('AGENT_LIMIT_NETWORK', DEFAULT_LIMITS.network, 1, 1024),
    start: r.int('AGENT_LIMIT_START', DEFAULT_LIMITS.start, 1, 1024),
    destroy: r.int('AGENT_LIMIT_DESTROY', DEFAULT_LIMITS.destroy, 1, 1024),
  };
}

function workerSection(r: EnvReader) {
  return {
    stopGraceMs: r.int('AGENT_STOP_GRACE_MS', 2000, 0),
    readinessWait: r.bool('AGENT_READINESS_WAIT', true),
    readinessTimeoutMs: r.int('AGENT_READINESS_TIMEOUT_MS', 10_000, 1),
    logDir: r.str('AGENT_WORKER_LOG_DIR') ?? '/var/log/esb-agent/workers',
    logMaxBytes: r.int('AGENT_WORKER_LOG_MAX_BYTES', 10 * 1024 * 1024, 1),
  };
}

function httpSection(r: EnvReader, metricsPort: number) {
  const auth = r.str('AGENT_HTTP_BASIC_AUTH');
  let basicAuth: { user: string; password: string } | undefined;
  if (auth !== undefined) {
    const i = auth.indexOf(':');
    if (i <= 0) r.fail('AGENT_HTTP_BASIC_AUTH', '"user:password" with a non-empty user');
    basicAuth = { user: auth.slice(0, i), password: auth.slice(i + 1) };
  }
  return { host: r.str('AGENT_HTTP_HOST') ?? '127.0.0.1', port: r.port('AGENT_HTTP_PORT', metricsPort), basicAuth };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads and validates the whole configuration from `env` (pass `process.env` from the
 * composition root). Pure: reads only `env`. Returns a deeply frozen object. Throws
 * {@link ConfigError} naming the variable and what it accepts.
 */
export function loadConfig(env: Env): Config {
  const r = new EnvReader(env);
  const id = identitySection(r, env);
  const invoke = invokeSection(r);
  const metricsPort = r.port('AGENT_METRICS_PORT', 9091);
  const config: Config = {
    ...id,
    runtime: { kind: r.oneOf<RuntimeChoice>('AGENT_RUNTIME', ['containerd', 'docker', 'simulated'], 'auto') },
    grpc: grpcSection(r, invoke),
    tls: tlsSection(r),
    log: logSection(r),
    invoke,
    containerd: containerdSection(r),
    cni: cniSection(r, id.identity),
    images: imagesSection(r, id.identity),
    docker: dockerSection(r),
    limits: limitsSection(r),
    worker: workerSection(r),
    metrics: { port: metricsPort },
    http: httpSection(r, metricsPort),
    inspect: { enabled: r.bool('AGENT_INSPECT', false), port: r.port('AGENT_INSPECT_PORT', 9092) },
    shutdown: {
      timeoutMs: r.int('AGENT_SHUTDOWN_TIMEOUT', 10_000, 0),
      policy: r.oneOf<ShutdownPolicy>('AGENT_SHUTDOWN_POLICY', ['keep', 'destroy'], 'keep'),
    },
    reconcile: { intervalMs: r.int('AGENT_RECONCILE_INTERVAL_MS', 30_000, 0) },
    journal: { path: r.str('AGENT_JOURNAL') },
    simulated: { endpoints: r.bool('AGENT_SIM_ENDPOINTS', true) },
    warnings: r.warnings,
  };
  return deepFreeze(config);
}

/** Effective values for a startup log line or `esb-agent config`: secrets masked. Pure. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { warnings: _w, identity, http, ...rest } = config;
  return {
    ...rest,
    identity: { brand: identity.brand, source: identity.source, namespace: identity.namespace, cniNetwork: identity.cniNetwork },
    http: { ...http, basicAuth: http.basicAuth ? `${http.basicAuth.user}:***` : undefined },
  };
}

/** The Markdown table of {@link CONFIG_VARIABLES} that `docs/configuration.md` embeds. Pure. */
export function configTableMarkdown(): string {
  const rows = CONFIG_VARIABLES.map((v) => `| ${v.group} | \`${v.name}\` | ${v.default} | ${v.description.replace(/\|/g, '\\|')} |`);
  return ['| Group | Variable | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

