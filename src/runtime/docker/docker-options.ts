/**
 * Options of the Docker adapter, built by the composition root from the config (nobody here
 * reads `process.env`).
 */

/** IMAGE_PULL_POLICY values. */
export type PullPolicy = 'always' | 'if-not-present' | 'never';

/** The logging surface the adapter needs (a pino logger fits). */
export interface DockerLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Stack identity used for labels and server-side filters (contract §0). */
export interface DockerIdentity {
  /** Sanitised brand slug, e.g. `esb`. */
  brand: string;
  /** Trimmed ENV, e.g. `default`. */
  env: string;
}

export interface DockerRuntimeOptions {
  /**
   * Daemon address: `unix:///path.sock`, `tcp://host:port`, or a bare socket path.
   * @default the `DOCKER_HOST` value the config read, else `/var/run/docker.sock`
   */
  dockerHost?: string | undefined;
  /** CONTAINERS_NETWORK: the Docker network workers join (must exist). */
  network: string;
  identity: DockerIdentity;
  /** @default 'if-not-present' */
  pullPolicy?: PullPolicy | undefined;
  /** Deadline of every ordinary Docker call. @default 15000 */
  callTimeoutMs?: number | undefined;
  /** Deadline of a whole image pull. @default 600000 */
  pullTimeoutMs?: number | undefined;
  /** A pull stream silent this long is aborted. @default 120000 */
  pullIdleTimeoutMs?: number | undefined;
  /** Total time to find the worker's IP after start. @default 5000 */
  ipLookupTimeoutMs?: number | undefined;
  /** Highest Docker API version we speak; negotiated down to the daemon's. @default '1.41' */
  maxApiVersion?: string | undefined;
  /** `DOCKER_API_VERSION`: use exactly this version, no negotiation. @default undefined */
  apiVersion?: string | undefined;
  /**
   * TLS for a `tcp://` DOCKER_HOST: `DOCKER_CERT_PATH` (ca.pem, cert.pem, key.pem) and
   * `DOCKER_TLS_VERIFY`. TLS is on when either is set. @default undefined (plain HTTP)
   */
  tls?: { certPath?: string | undefined; verify: boolean } | undefined;
  /** Event stream reconnect backoff. @default { initialMs: 100, maxMs: 5000 } */
  eventsBackoff?: { initialMs: number; maxMs: number } | undefined;
  /** Ping period while the event stream is open; a failed ping reconnects it. @default 30000 */
  eventsLivenessMs?: number | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
  /** @default a silent logger */
  logger?: DockerLogger | undefined;
}

/** The options with defaults applied. */
export interface ResolvedDockerOptions {
  dockerHost: string;
  network: string;
  identity: DockerIdentity;
  pullPolicy: PullPolicy;
  callTimeoutMs: number;
  pullTimeoutMs: number;
  pullIdleTimeoutMs: number;
  ipLookupTimeoutMs: number;
  maxApiVersion: string;
  apiVersion: string | undefined;
  tls: { certPath?: string | undefined; verify: boolean } | undefined;
  eventsBackoff: { initialMs: number; maxMs: number };
  eventsLivenessMs: number;
  now: () => number;
  logger: DockerLogger;
}

const noop = (): void => undefined;
/** A logger that drops everything. */
export const silentLogger: DockerLogger = { debug: noop, info: noop, warn: noop };

/** Applies defaults. Pure. */
export function resolveDockerOptions(o: DockerRuntimeOptions): ResolvedDockerOptions {
  return {
    dockerHost: o.dockerHost?.trim() || 'unix:///var/run/docker.sock',
    network: o.network,
    identity: o.identity,
    pullPolicy: o.pullPolicy ?? 'if-not-present',
    callTimeoutMs: o.callTimeoutMs ?? 15_000,
    pullTimeoutMs: o.pullTimeoutMs ?? 600_000,
    pullIdleTimeoutMs: o.pullIdleTimeoutMs ?? 120_000,
    ipLookupTimeoutMs: o.ipLookupTimeoutMs ?? 5_000,
    maxApiVersion: o.maxApiVersion ?? '1.41',
    apiVersion: o.apiVersion?.trim().replace(/^v/, '') || undefined,
    tls: o.tls && (o.tls.verify || o.tls.certPath) ? o.tls : undefined,
    eventsBackoff: o.eventsBackoff ?? { initialMs: 100, maxMs: 5_000 },
    eventsLivenessMs: o.eventsLivenessMs ?? 30_000,
    now: o.now ?? Date.now,
    logger: o.logger ?? silentLogger,
  };
}

/** Parses IMAGE_PULL_POLICY text (trimmed, case-insensitive); undefined for an unknown value. Pure. */
export function parsePullPolicy(value: string | undefined): PullPolicy | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '') return 'if-not-present';
  return v === 'always' || v === 'if-not-present' || v === 'never' ? v : undefined;
}
