/**
 * What the cold-start benchmarks share: waiting for a worker's first answer, a seeded round
 * order, and percentiles.
 */
import { INVOKE_PATH } from '../test/runtime/containerd/support.js';

/** POSTs to the worker until it answers 200 (refused connects retried every 5 ms); throws after 30 s. */
export async function firstInvoke(ip: string, perTryMs = 5000): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://${ip}:8080${INVOKE_PATH}`, { method: 'POST', body: '{"bench":1}', signal: AbortSignal.timeout(perTryMs) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`worker ${ip} never answered`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Pure. A permutation of 0..n-1 shuffled by a seeded LCG: each round's order (and so each variant's predecessor, whose teardown may still echo in the daemon) varies, reproducibly. */
export function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, k) => k);
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let k = n - 1; k > 0; k--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = x % (k + 1);
    [order[k], order[j]] = [order[j]!, order[k]!];
  }
  return order;
}

/** Pure. The p-th percentile (nearest rank) of ascending `sorted`, rounded to 0.1. */
export function pct(sorted: number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[idx]! * 10) / 10;
}
