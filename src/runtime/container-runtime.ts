/**
 * The runtime boundary: everything the agent asks of a container runtime. Adapters
 * (containerd, Docker, simulated) implement it with our own types only; no dockerode or
 * containerd proto type crosses it, and every method throws {@link AgentError} only.
 *
 * Every per-container method is keyed by the worker's `name` (`{brand}-{env}-{function}-{8hex}`),
 * which is known before anything is created, so a step aborted mid-flight can still be rolled
 * back by name. For containerd the name is the container id; for Docker the API accepts names.
 *
 * Idempotence: `teardownNetwork`, `stop` and `remove` treat "not found" as done.
 */
import type { AgentError } from '../errors.js';

/** Status strings of the wire contract (`ContainerState.status`, `ContainerMetrics.state`). */
export type ContainerStatus = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'UNKNOWN';

export type RuntimeKind = 'containerd' | 'docker' | 'simulated';

/** What a worker is created from. Built by the supervisor; labels per contract §0. */
export interface WorkerSpec {
  /** `{brand}-{env}-{function}-{8hex}`. */
  name: string;
  functionName: string;
  /** Image reference, trimmed, non-empty. */
  image: string;
  /** Request env, as given. */
  env: Readonly<Record<string, string>>;
  ownerId: string;
  /** The five labels of contract §0. */
  labels: Readonly<Record<string, string>>;
  /** From `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (MiB × 2^20); undefined means no limit. */
  memoryLimitBytes?: number | undefined;
}

/** Options every runtime call accepts. An aborted signal should stop the work as soon as it is safe. */
export interface OpOptions {
  signal?: AbortSignal | undefined;
}

export interface PullProgress {
  /** Bytes fetched so far. */
  doneBytes: number;
  /** Total bytes to fetch, when known (0 otherwise). */
  totalBytes: number;
}

export interface EnsureImageOptions extends OpOptions {
  onProgress?: ((progress: PullProgress) => void) | undefined;
}

export interface ImageInfo {
  /** The reference as resolved (e.g. with registry and tag defaults). */
  ref: string;
  /** Manifest digest when known. */
  digest?: string | undefined;
  /** True when the image had to be fetched from a registry. */
  pulled: boolean;
}

export interface CreatedContainer {
  /** The id the wire reports as `container_id`: Docker's 64-hex id, or the name for containerd. */
  containerId: string;
}

export interface NetworkAttachment {
  ipAddress: string;
}

export interface StopOptions extends OpOptions {
  /** Time between SIGTERM and SIGKILL. */
  graceMs: number;
}

/** A container of ours as the runtime sees it (label test of contract §0 already applied). */
export interface ManagedContainer {
  containerId: string;
  name: string;
  functionName: string;
  ownerId: string;
  status: ContainerStatus;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Worker IP when the runtime knows it (containerd: cached CNI result; Docker: network settings). */
  ipAddress?: string | undefined;
  labels: Readonly<Record<string, string>>;
  image?: string | undefined;
  /** For STOPPED containers when known. */
  exitCode?: number | undefined;
  /** True when the container exists but its task/network was never completed (crash leftovers). */
  incomplete?: boolean | undefined;
}

export interface RuntimeMetrics {
  state: ContainerStatus;
  memoryCurrent: bigint;
  memoryMax: bigint;
  oomEvents: bigint;
  cpuUsageNs: bigint;
  exitCode: number;
  /** Epoch milliseconds, 0 while running. */
  exitTime: number;
  restartCount: number;
}

/** Something that happened to a container without the agent asking. */
export type RuntimeEvent =
  | { type: 'exit'; name: string; exitCode: number; at: number }
  | { type: 'oom'; name: string; at: number };

export type RuntimeEventListener = (event: RuntimeEvent) => void;

/** Extra information about the runtime connection, for logs and health. */
export interface RuntimeInfo {
  kind: RuntimeKind;
  version?: string | undefined;
  /** Order in which the worker machine runs `setupNetwork` and `start` for this runtime. */
  networkPhase: 'beforeStart' | 'afterStart';
}

export interface ContainerRuntime {
  readonly info: RuntimeInfo;

  /** Makes `image` available locally per the pull policy; reports fetch progress. */
  ensureImage(image: string, opts: EnsureImageOptions): Promise<ImageInfo>;
  /** Creates the container (not started). */
  create(spec: WorkerSpec, opts: OpOptions): Promise<CreatedContainer>;
  /** Attaches the worker to the network and returns its IP. */
  setupNetwork(name: string, opts: OpOptions): Promise<NetworkAttachment>;
  /** Detaches the worker from the network and releases its IP. Not found = done. */
  teardownNetwork(name: string, opts: OpOptions): Promise<void>;
  /** Starts the worker's process. */
  start(name: string, opts: OpOptions): Promise<void>;
  pause(name: string, opts: OpOptions): Promise<void>;
  resume(name: string, opts: OpOptions): Promise<void>;
  /** SIGTERM, `graceMs`, then SIGKILL; works on paused workers; not found or not running = done. */
  stop(name: string, opts: StopOptions): Promise<void>;
  /** Deletes the container and everything it holds (task, snapshot). Not found = done. */
  remove(name: string, opts: OpOptions): Promise<void>;
  /** Every managed container of this agent's env (all owners). */
  list(opts: OpOptions): Promise<ManagedContainer[]>;
  metrics(name: string, opts: OpOptions): Promise<RuntimeMetrics>;
  /** Subscribes to exit/OOM events; returns the unsubscribe function. */
  subscribe(listener: RuntimeEventListener): () => void;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Helper type for adapters: errors thrown by a runtime are AgentErrors. */
export type RuntimeError = AgentError;
