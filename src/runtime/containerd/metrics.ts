/**
 * Decodes `Tasks.Metrics` payloads (cgroup v1 and v2) into the contract's
 * metrics fields (§2.2). Pure apart from the proto registry lookup.
 */
import { AgentError } from '../../errors.js';
import { decodeAny } from './proto.js';

export interface CgroupNumbers {
  memoryCurrent: bigint;
  memoryMax: bigint;
  oomEvents: bigint;
  cpuUsageNs: bigint;
}

type U64 = string | number | undefined | null;
const big = (v: U64): bigint => (v === undefined || v === null || v === '' ? 0n : BigInt(v));

interface V1Metrics {
  cpu?: { usage?: { total?: U64 } } | null;
  memory?: { usage?: { usage?: U64; limit?: U64 } | null; rss?: U64 } | null;
  memory_oom_control?: { oom_kill?: U64 } | null;
}

interface V2Metrics {
  cpu?: { usage_usec?: U64 } | null;
  memory?: { usage?: U64; usage_limit?: U64 } | null;
  memory_events?: { oom?: U64; oom_kill?: U64 } | null;
}

/**
 * Pure. v1: memory.usage_in_bytes (usage.usage, the same meaning as v2's memory.current; the
 * Go agent reported RSS here, contract §8.12), usage.limit, oom_kill, cpuacct total (ns).
 * v2: memory.current, memory.max, oom_kill (else oom), usage_usec × 1000.
 */
export function decodeTaskMetrics(data: { type_url: string; value: Buffer | Uint8Array }): CgroupNumbers {
  const type = data.type_url.replace(/^.*\//, '');
  if (type === 'io.containerd.cgroups.v1.Metrics') {
    const m = decodeAny<V1Metrics>(data);
    return {
      memoryCurrent: big(m.memory?.usage?.usage),
      memoryMax: big(m.memory?.usage?.limit),
      oomEvents: big(m.memory_oom_control?.oom_kill),
      cpuUsageNs: big(m.cpu?.usage?.total),
    };
  }
  if (type === 'io.containerd.cgroups.v2.Metrics') {
    const m = decodeAny<V2Metrics>(data);
    const oomKill = big(m.memory_events?.oom_kill);
    return {
      memoryCurrent: big(m.memory?.usage),
      memoryMax: big(m.memory?.usage_limit),
      oomEvents: oomKill > 0n ? oomKill : big(m.memory_events?.oom),
      cpuUsageNs: big(m.cpu?.usage_usec) * 1000n,
    };
  }
  throw new AgentError('INTERNAL', `unsupported metrics type ${data.type_url}`, { step: 'metrics' });
}

/** Pure. Epoch ms of a protobuf Timestamp ({seconds: string, nanos}); 0 for none or the zero time. */
export function timestampMs(ts: { seconds?: string | number; nanos?: number } | null | undefined): number {
  if (!ts) return 0;
  const ms = Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return ms > 0 ? ms : 0;
}
