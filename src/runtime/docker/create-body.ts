/**
 * The `POST /containers/create` body for a worker: name, the five labels, env, port 8080
 * exposed (never published), restart policy `no`, memory limit, joined to CONTAINERS_NETWORK
 * both as NetworkMode and EndpointsConfig (the Go agent left NetworkMode empty). Pure.
 */
import type { WorkerSpec } from '../container-runtime.js';
import type { DockerCreateBody } from './docker-client.js';

/** Worker port (contract §2.1). */
export const WORKER_PORT = 8080;

/** Builds the create body. Pure. */
export function createBody(spec: WorkerSpec, network: string): Omit<DockerCreateBody, 'abortSignal'> {
  const hostConfig: DockerCreateBody['HostConfig'] = { RestartPolicy: { Name: 'no' }, NetworkMode: network };
  if (spec.memoryLimitBytes !== undefined && spec.memoryLimitBytes > 0) hostConfig.Memory = spec.memoryLimitBytes;
  return {
    name: spec.name,
    Image: spec.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels },
    ExposedPorts: { [`${WORKER_PORT}/tcp`]: {} },
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: { [network]: {} } },
  };
}
