/**
 * Builds {@link RuntimeMetrics} from a one-shot stats sample plus an inspect. Pure.
 *
 * - memoryCurrent: `memory_stats.usage` (cgroup v1 `memory.usage_in_bytes`, page cache included).
 * - memoryMax: the container's limit (`HostConfig.Memory`) when set; otherwise what dockerd
 *   reports as `memory_stats.limit`, which without a limit is the host's total memory.
 * - oomEvents: the number of oom events the event stream delivered for the container, or 1
 *   when inspect says `State.OOMKilled` and none was seen. Docker keeps no OOM counter, and
 *   dockerd 20.10 sometimes leaves `OOMKilled` false after an OOM kill (its exit and oom
 *   handling race), so the flag alone is not enough.
 * - cpuUsageNs: `cpu_stats.cpu_usage.total_usage` (cumulative ns).
 */
import type { ContainerStatus, RuntimeMetrics } from '../container-runtime.js';
import type { DockerContainerInspect, DockerContainerState, DockerStats } from './docker-client.js';

const GO_ZERO_TIME = /^0001-01-01/;

/** Non-negative integer → bigint (anything else → 0n). Pure. */
function big(v: unknown): bigint {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? BigInt(Math.trunc(v)) : 0n;
}

/** inspect State → wire status. Pure. */
export function statusFromInspect(state: DockerContainerState | undefined): ContainerStatus {
  if (!state) return 'UNKNOWN';
  if (state.Paused) return 'PAUSED';
  if (state.Running) return 'RUNNING';
  const s = (state.Status ?? '').toLowerCase();
  return s === 'exited' || s === 'dead' ? 'STOPPED' : 'UNKNOWN';
}

/** Docker time text → epoch ms; Go's zero time and junk → 0. Pure. */
export function parseDockerTime(text: string | undefined): number {
  if (!text || GO_ZERO_TIME.test(text)) return 0;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** Combines a stats sample, an inspect and the oom events seen into our metrics. Pure. */
export function decodeMetrics(stats: DockerStats | undefined, inspect: DockerContainerInspect, oomsSeen = 0): RuntimeMetrics {
  const state = statusFromInspect(inspect.State);
  const mem = stats?.memory_stats ?? {};
  const limit = inspect.HostConfig?.Memory;
  const stopped = state === 'STOPPED';
  return {
    state,
    memoryCurrent: big(mem.usage),
    memoryMax: limit && limit > 0 ? BigInt(limit) : big(mem.limit),
    oomEvents: BigInt(Math.max(oomsSeen, inspect.State?.OOMKilled ? 1 : 0)),
    cpuUsageNs: big(stats?.cpu_stats?.cpu_usage?.total_usage),
    exitCode: stopped ? (inspect.State?.ExitCode ?? 0) : 0,
    exitTime: stopped ? parseDockerTime(inspect.State?.FinishedAt) : 0,
    restartCount: inspect.RestartCount ?? 0,
  };
}
