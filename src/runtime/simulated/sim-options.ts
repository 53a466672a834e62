/**
 * Options and test-facing types of the simulated runtime.
 */
import type { WorkerSpec } from '../container-runtime.js';
import type { EndpointMode } from './echo-endpoint.js';
import type { FaultPlan, SimOp } from './fault-plan.js';

export interface SimulatedRuntimeOptions {
  /** Latency per operation in ms (default 0 for all). */
  latencyMs?: Partial<Record<SimOp, number>> | undefined;
  /** Waits `ms`, rejecting when `signal` aborts; default: global setTimeout (fake timers work). */
  sleep?: ((ms: number, signal: AbortSignal | undefined) => Promise<void>) | undefined;
  /** Fault plan to start from (also scriptable later through the runtime's methods). */
  faults?: FaultPlan | undefined;
  /** Serve the RIE echo endpoint on each worker's loopback IP:8080. @default false */
  endpoints?: boolean | undefined;
  /** Port of the endpoints. @default 8080 */
  endpointPort?: number | undefined;
  /** First loopback slot (1 = 127.0.0.2). @default 1, or a per-process region when endpoints are on */
  ipStart?: number | undefined;
  /** The label test of contract §0 used by `list`; default: every container counts. */
  isManaged?: ((labels: Readonly<Record<string, string>>) => boolean) | undefined;
  /** Epoch ms clock. @default Date.now */
  now?: (() => number) | undefined;
  /** Images present from the start. */
  images?: readonly string[] | undefined;
  /** Size a pull reports. @default 4 MiB */
  pullBytes?: number | undefined;
  /** `name`: container id = name (containerd); `docker`: a 64-hex id. @default 'name' */
  idStyle?: 'name' | 'docker' | undefined;
  /** Keep a log of every call and its outcome (see `callLog`). @default false */
  recordCalls?: boolean | undefined;
}

export interface SimCall {
  op: SimOp;
  target?: string | undefined;
  /** 'ok' or the AgentError code it failed with. */
  outcome: string;
}

export interface EndpointInfo {
  url: string;
  mode: EndpointMode;
  held: number;
  busy: boolean;
  count: number;
}

/** A container to put in place directly (crash leftovers, adoption tests). */
export interface SeedContainer {
  spec: WorkerSpec;
  status: 'created' | 'running' | 'paused' | 'stopped';
  /** Give it an IP lease. @default true unless status is 'created' */
  network?: boolean | undefined;
  exitCode?: number | undefined;
  createdAt?: number | undefined;
}
