/**
 * Measuring loops and statistics shared by the invoke benches (bench/invoke.bench.ts and
 * bench/invoke.sim.ts). A `Call` sends one invocation to worker `w` and resolves when the
 * whole answer is in.
 */

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

/**
 * `perWorker` callers on each of `workers` workers for `ms`: completed calls per second, and
 * this process's CPU time per call (µs).
 */
export async function throughput(call: Call, workers: number, perWorker: number, ms: number): Promise<{ perSec: number; cpuUs: number }> {
  let done = 0;
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
  return { perSec: done / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / done };
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
