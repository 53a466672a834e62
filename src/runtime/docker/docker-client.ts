/**
 * The slice of the dockerode API the Docker adapter uses, typed with our own minimal shapes
 * (only the fields we read). Real dockerode satisfies it structurally; unit tests pass a stub.
 * Nothing here is exported past `src/runtime/docker/`.
 */
import type { Readable } from 'node:stream';

/** Every call takes the per-call abort signal (dockerode ≥ 4 forwards it to the HTTP request). */
export interface CallOpts {
  abortSignal?: AbortSignal | undefined;
}

export interface DockerEndpointSettings {
  IPAddress?: string;
}

export interface DockerContainerState {
  Status?: string;
  Running?: boolean;
  Paused?: boolean;
  Restarting?: boolean;
  OOMKilled?: boolean;
  Dead?: boolean;
  ExitCode?: number;
  FinishedAt?: string;
  StartedAt?: string;
}

export interface DockerContainerInspect {
  Id: string;
  Name?: string;
  Created?: string;
  RestartCount?: number;
  State?: DockerContainerState;
  HostConfig?: { Memory?: number };
  NetworkSettings?: { Networks?: Record<string, DockerEndpointSettings | null> };
}

export interface DockerContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  Created?: number;
  State?: string;
  Status?: string;
  Labels?: Record<string, string> | null;
  NetworkSettings?: { Networks?: Record<string, DockerEndpointSettings | null> } | null;
}

/** `GET /containers/{id}/stats?stream=false&one-shot=true` (cgroup v1 and v2 fields we read). */
export interface DockerStats {
  memory_stats?: {
    usage?: number;
    limit?: number;
    failcnt?: number;
    stats?: Record<string, number>;
  };
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
}

export interface DockerContainerHandle {
  inspect(opts: CallOpts): Promise<DockerContainerInspect>;
  start(opts: CallOpts): Promise<unknown>;
  pause(opts: CallOpts): Promise<unknown>;
  unpause(opts: CallOpts): Promise<unknown>;
  stop(opts: CallOpts & { t: number }): Promise<unknown>;
  kill(opts: CallOpts & { signal?: string }): Promise<unknown>;
  remove(opts: CallOpts & { force: boolean; v: boolean }): Promise<unknown>;
  stats(opts: CallOpts & { stream: false; 'one-shot': true }): Promise<DockerStats>;
}

export interface DockerCreateBody extends CallOpts {
  name: string;
  Image: string;
  Env: string[];
  Labels: Record<string, string>;
  ExposedPorts: Record<string, Record<string, never>>;
  HostConfig: {
    RestartPolicy: { Name: 'no' };
    NetworkMode: string;
    Memory?: number;
  };
  NetworkingConfig: { EndpointsConfig: Record<string, Record<string, never>> };
}

export interface DockerClient {
  ping(opts: CallOpts): Promise<unknown>;
  version(opts: CallOpts): Promise<{ Version?: string; ApiVersion?: string }>;
  listContainers(opts: CallOpts & { all: boolean; filters: string }): Promise<DockerContainerSummary[]>;
  createContainer(body: DockerCreateBody): Promise<{ id: string }>;
  getContainer(id: string): DockerContainerHandle;
  getImage(name: string): { inspect(opts: CallOpts): Promise<{ Id?: string; RepoDigests?: string[] }> };
  getNetwork(id: string): { inspect(opts: CallOpts): Promise<{ Name?: string; Id?: string }> };
  /** `POST /images/create`: resolves with the JSON-lines progress stream once the pull starts. */
  createImage(opts: CallOpts & { fromImage: string; tag: string }): Promise<Readable>;
  /** `GET /events`: resolves with the JSON-lines event stream. */
  getEvents(opts: CallOpts & { since?: string; filters: string }): Promise<Readable>;
}
