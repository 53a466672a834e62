/**
 * Measuring loops and statistics shared by the invoke benches (bench/invoke.bench.ts and
 * bench/invoke.sim.ts). A `Call` sends one invocation to worker `w` and resolves when the
 * whole answer is in.
 */
import { readFileSync } from 'node:fs';

export type Call = (worker: number) => Promise<number>;

/** Nearest-rank percentile of an ascending array. Pure. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Median (upper middle). Pure. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Rounds to 3 decimals. Pure. */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** `callers` concurrent loops on worker 0, `n` calls in total; per-call latency in ms. */
export async function latency(call: Call, callers: number, n: number): Promise<number[]> {
  const samples: number[] = [];
  let left = n;
  await Promise.all(Array.from({ length: callers }, async () => {
    while (left-- > 0) {
      const t = performance.now();
      await call(0);
      samples.push(performance.now() - t);
    }
  }));
  return samples;
}

/** Jiffies of all CPUs from /proc/stat: busy (everything but idle and iowait) and total. */
export interface MachineCpu { busy: number; total: number }

/** Reads the machine's CPU counters (Linux /proc/stat, first line); undefined elsewhere. */
export function machineCpu(): MachineCpu | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/stat (USER_HZ; 100 on Linux). */
export const USER_HZ = 100;

/**
 * `perWorker` callers on each of `workers` workers for `ms`: completed calls (and per second),
 * this process's CPU time per call (µs) and, from /proc/stat, the machine's busy and total
 * jiffies over the round (workers, kernel, proxies and any other work included).
 */
export async function throughput(call: Call, workers: number, perWorker: number, ms: number): Promise<{
  calls: number; perSec: number; cpuUs: number; machine?: MachineCpu | undefined;
}> {
  let done = 0;
  const m0 = machineCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(Array.from({ length: workers * perWorker }, async (_, i) => {
    while (performance.now() < end) {
      await call(i % workers);
      done++;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineCpu();
  const machine = m0 && m1 ? { busy: m1.busy - m0.busy, total: m1.total - m0.total } : undefined;
  return { calls: done, perSec: done / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / done, machine };
}

/** `modes` in a rotating order per round, so none always runs first. Pure. */
export function rotate<T>(modes: readonly T[], round: number): T[] {
  return modes.map((_, i) => modes[(i + round) % modes.length]!);
}

/** One latency table row. */
export interface LatencyRow { callers: number; mode: string; p50Ms: number; p99Ms: number; n: number }

/** Sorts the samples of each `mode:callers` key into table rows. */
export function latencyRows(samples: Record<string, number[]>, modes: readonly string[], callers: readonly number[]): LatencyRow[] {
  const rows: LatencyRow[] = [];
  for (const c of callers) {
    for (const mode of modes) {
      const s = (samples[`${mode}:${c}`] ?? []).sort((a, b) => a - b);
      rows.push({ callers: c, mode, p50Ms: round3(percentile(s, 50)), p99Ms: round3(percentile(s, 99)), n: s.length });
    }
  }
  return rows;
}
