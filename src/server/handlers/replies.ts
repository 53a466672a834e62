/**
 * Worker views and runtime metrics → wire messages. Pure. Times go out as Unix seconds (0 for
 * a zero time) and 64-bit integers as decimal strings, as proto-loader (`longs: String`) expects.
 */
import type { RuntimeMetrics } from '../../runtime/container-runtime.js';
import type { WorkerView } from '../../machines/worker-types.js';
import type { ContainerMetrics } from '../generated/esb/agent/v1/ContainerMetrics.js';
import type { ContainerState } from '../generated/esb/agent/v1/ContainerState.js';
import type { WorkerInfo } from '../generated/esb/agent/v1/WorkerInfo.js';

/** Worker port used when a view carries none (contract: always 8080). */
export const DEFAULT_WORKER_PORT = 8080;

/** Epoch milliseconds → Unix seconds as an int64 string; 0 (or less, or NaN) stays "0". */
export function unixSeconds(epochMs: number): string {
  if (!Number.isFinite(epochMs) || epochMs <= 0) return '0';
  return String(Math.floor(epochMs / 1000));
}

/** EnsureContainer's reply: id, name (filled, unlike the Go agent), ip_address, port. */
export function toWorkerInfo(view: WorkerView): WorkerInfo {
  return {
    id: view.containerId,
    name: view.name,
    ip_address: view.ipAddress,
    port: view.port || DEFAULT_WORKER_PORT,
  };
}

/** One ListContainers entry. IP and port are not exposed (as in the Go agent). */
export function toContainerState(view: WorkerView): ContainerState {
  return {
    container_id: view.containerId,
    function_name: view.functionName,
    status: view.status,
    last_used_at: unixSeconds(view.lastUsedAt),
    container_name: view.name,
    created_at: unixSeconds(view.createdAt),
    owner_id: view.ownerId,
  };
}

/** GetContainerMetrics' payload; `collectedAt` is epoch ms of the collection. */
export function toContainerMetrics(view: WorkerView, metrics: RuntimeMetrics, collectedAt: number): ContainerMetrics {
  return {
    container_id: view.containerId,
    function_name: view.functionName,
    container_name: view.name,
    state: metrics.state,
    memory_current: uint64(metrics.memoryCurrent),
    memory_max: uint64(metrics.memoryMax),
    oom_events: uint64(metrics.oomEvents),
    cpu_usage_ns: uint64(metrics.cpuUsageNs),
    exit_code: uint32(metrics.exitCode),
    restart_count: uint32(metrics.restartCount),
    exit_time: unixSeconds(metrics.exitTime),
    collected_at: unixSeconds(collectedAt),
  };
}

/** A bigint as a uint64 decimal string; negatives clamp to 0. */
function uint64(value: bigint): string {
  return value > 0n ? value.toString() : '0';
}

/** A number as uint32 (Go's `uint32(int)` wraps; we keep the low 32 bits likewise). */
function uint32(value: number): number {
  return Number.isFinite(value) ? value >>> 0 : 0;
}
