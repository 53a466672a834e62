/**
 * `createDockerRuntime(options)`: connects to dockerd (DOCKER_HOST or the default socket),
 * negotiates the API version, checks that CONTAINERS_NETWORK exists, and returns the adapter.
 * Start-up failures are clear AgentErrors (UNAVAILABLE / FAILED_PRECONDITION / INVALID_ARGUMENT).
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import Docker from 'dockerode';
import { AgentError } from '../../errors.js';
import type { ContainerRuntime } from '../container-runtime.js';
import { withDeadline } from './call-deadline.js';
import type { DockerClient } from './docker-client.js';
import { mapDockerError } from './docker-errors.js';
import { resolveDockerOptions, type DockerRuntimeOptions, type ResolvedDockerOptions } from './docker-options.js';
import { DockerRuntime } from './docker-runtime.js';

/** Connection settings for dockerode derived from a DOCKER_HOST-style address. */
export type DockerEndpoint =
  | { socketPath: string }
  | { host: string; port: number; protocol: 'http' | 'https'; ca?: Buffer; cert?: Buffer; key?: Buffer; agent?: https.Agent };

/** Parses `unix:///x.sock`, `/x.sock` or `tcp://h:p`. Pure. @throws AgentError INVALID_ARGUMENT */
export function parseDockerHost(value: string): DockerEndpoint {
  const v = value.trim();
  if (v.startsWith('/')) return { socketPath: v };
  if (v.startsWith('unix://')) return { socketPath: v.slice('unix://'.length) };
  const m = /^(?:tcp|http):\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(v);
  if (m?.[1] && m[2]) return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]), protocol: 'http' };
  throw new AgentError('INVALID_ARGUMENT', `DOCKER_HOST=${v} is not supported (use unix:///path/docker.sock or tcp://host:port)`, { step: 'docker' });
}

/**
 * Adds TLS to a tcp endpoint (`DOCKER_CERT_PATH` files, `DOCKER_TLS_VERIFY`). Reads the
 * certificate files. @throws AgentError INVALID_ARGUMENT when they cannot be read
 */
export function withTls(endpoint: DockerEndpoint, tls: ResolvedDockerOptions['tls']): DockerEndpoint {
  if (!tls || 'socketPath' in endpoint) return endpoint;
  const out: DockerEndpoint = { ...endpoint, protocol: 'https' };
  try {
    if (tls.certPath) {
      out.ca = readFileSync(join(tls.certPath, 'ca.pem'));
      out.cert = readFileSync(join(tls.certPath, 'cert.pem'));
      out.key = readFileSync(join(tls.certPath, 'key.pem'));
    }
  } catch (err) {
    throw new AgentError('INVALID_ARGUMENT', `DOCKER_CERT_PATH=${tls.certPath}: ${(err as Error).message}`, { cause: err, step: 'docker' });
  }
  if (!tls.verify) out.agent = new https.Agent({ rejectUnauthorized: false, ca: out.ca, cert: out.cert, key: out.key });
  return out;
}

/** Compares dotted versions (`1.41` vs `1.43`). Pure. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The API version to use: the lower of the daemon's and ours. Pure. */
export function negotiateApiVersion(server: string | undefined, ours: string): string {
  if (!server || !/^\d+\.\d+$/.test(server)) return ours;
  return compareApiVersions(server, ours) < 0 ? server : ours;
}

/** One dockerode instance for `endpoint`; `timeout` is docker-modem's socket inactivity timeout. */
function dockerode(endpoint: DockerEndpoint, timeout: number | undefined, version?: string): DockerClient {
  const d = new Docker({ ...endpoint, ...(timeout ? { timeout } : {}), ...(version ? { version: `v${version}` } : {}) });
  // dockerode's methods are a superset of DockerClient (checked by the unit and integration tests).
  return d as unknown as DockerClient;
}

/** Pings, negotiates the API version and reads the daemon version. @throws AgentError UNAVAILABLE */
async function connect(o: ResolvedDockerOptions, endpoint: DockerEndpoint): Promise<{ api: string; version: string | undefined }> {
  const probe = dockerode(endpoint, o.callTimeoutMs);
  const where = `DOCKER_HOST=${o.dockerHost}`;
  try {
    await withDeadline(undefined, o.callTimeoutMs, 'ping dockerd', 'docker', (s) => probe.ping({ abortSignal: s }));
    const v = await withDeadline(undefined, o.callTimeoutMs, 'read dockerd version', 'docker', (s) => probe.version({ abortSignal: s }));
    return { api: o.apiVersion ?? negotiateApiVersion(v.ApiVersion, o.maxApiVersion), version: v.Version };
  } catch (err) {
    const e = mapDockerError(err, 'dockerd does not answer', 'docker', where);
    throw new AgentError('UNAVAILABLE', `${e.message} (${where}; is dockerd running and is the socket readable?)`, { cause: err, step: 'docker' });
  }
}

/** Checks that the workers' network exists. @throws AgentError FAILED_PRECONDITION */
async function checkNetwork(client: DockerClient, o: ResolvedDockerOptions): Promise<void> {
  if (!o.network.trim()) {
    throw new AgentError('INVALID_ARGUMENT', 'CONTAINERS_NETWORK is empty: name the Docker network workers join', { step: 'docker' });
  }
  try {
    await withDeadline(undefined, o.callTimeoutMs, `inspect network ${o.network}`, 'docker', (s) => client.getNetwork(o.network).inspect({ abortSignal: s }));
  } catch (err) {
    const e = mapDockerError(err, `inspect network ${o.network}`, 'docker');
    if (e.code !== 'NOT_FOUND') throw e;
    throw new AgentError(
      'FAILED_PRECONDITION',
      `Docker network ${o.network} (CONTAINERS_NETWORK) does not exist; create it, e.g. ` +
        `docker network create --driver bridge -o com.docker.network.bridge.enable_ip_masquerade=false ${o.network}`,
      { cause: err, step: 'docker' },
    );
  }
}

/**
 * Builds the Docker runtime: ping (UNAVAILABLE naming DOCKER_HOST when dockerd does not
 * answer), API version negotiation (the lower of the daemon's and `maxApiVersion`, or exactly
 * `apiVersion` when DOCKER_API_VERSION is set), and a
 * check that CONTAINERS_NETWORK exists (FAILED_PRECONDITION saying how to create it).
 * @throws AgentError
 */
export async function createDockerRuntime(options: DockerRuntimeOptions): Promise<ContainerRuntime> {
  const o = resolveDockerOptions(options);
  const endpoint = withTls(parseDockerHost(o.dockerHost), o.tls);
  const { api, version } = await connect(o, endpoint);
  const client = dockerode(endpoint, o.callTimeoutMs, api);
  const streamClient = dockerode(endpoint, undefined, api);
  await checkNetwork(client, o);
  o.logger.info({ dockerHost: o.dockerHost, version, api, network: o.network, pullPolicy: o.pullPolicy }, 'Docker runtime ready');
  return new DockerRuntime({ client, streamClient, options: o, version, endpoint: o.dockerHost });
}
