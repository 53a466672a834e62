/**
 * Pull + unpack of the echo image from the local registry, side by side in one run:
 *   agent   our ImagePuller (registry client → content store → unpack → image record)
 *   ctr     `ctr images pull --plain-http` (containerd's Go client)
 * Each run uses a fresh namespace; variants alternate. Also samples the bench process's RSS
 * during our pulls (it must stream, not buffer whole layers).
 *
 *   npx tsx bench/containerd-pull.bench.ts [runs=5]
 * Results: bench/results/containerd-pull.json
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContainerdClient } from '../src/runtime/containerd/client.js';
import { ImagePuller } from '../src/runtime/containerd/pull/image-puller.js';
import { RegistryClient } from '../src/runtime/containerd/pull/registry-client.js';
import { createIsolation, ctr, WORKER_IMAGE_REF } from '../test/helpers/index.js';

const RUNS = Number(process.argv[2] ?? 5);

async function agentPull(ns: string): Promise<{ ms: number; peakRssMb: number; baseRssMb: number }> {
  const client = new ContainerdClient({ socket: '/run/containerd/containerd.sock', namespace: ns });
  const registry = new RegistryClient({});
  const puller = new ImagePuller(client, registry, 'overlayfs', Date.now);
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const t0 = performance.now();
  try {
    await puller.pull(WORKER_IMAGE_REF);
  } finally {
    clearInterval(timer);
    await registry.close();
    client.close();
  }
  return { ms: performance.now() - t0, peakRssMb: peak / 2 ** 20, baseRssMb: base / 2 ** 20 };
}

async function ctrPull(ns: string): Promise<number> {
  const t0 = performance.now();
  await ctr(ns, ['images', 'pull', '--plain-http', WORKER_IMAGE_REF], { timeoutMs: 300_000 });
  return performance.now() - t0;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! * 10) / 10;
};

async function main(): Promise<void> {
  const agent: number[] = [];
  const ctrMs: number[] = [];
  const rss: Array<{ peakRssMb: number; baseRssMb: number }> = [];
  for (const which of ['agent', 'ctr']) {
    // warm-up: module and proto loading, first connections, page cache
    const iso = await createIsolation(`bench-pull-warm`);
    try {
      if (which === 'agent') await agentPull(iso.namespace);
      else await ctrPull(iso.namespace);
    } finally {
      await iso.cleanup();
    }
  }
  for (let i = 0; i < RUNS; i++) {
    for (const which of i % 2 === 0 ? ['agent', 'ctr'] : ['ctr', 'agent']) {
      const iso = await createIsolation(`bench-pull-${which}`);
      try {
        if (which === 'agent') {
          const r = await agentPull(iso.namespace);
          agent.push(r.ms);
          rss.push({ peakRssMb: r.peakRssMb, baseRssMb: r.baseRssMb });
        } else ctrMs.push(await ctrPull(iso.namespace));
      } finally {
        await iso.cleanup();
      }
    }
    process.stderr.write(`run ${i + 1}/${RUNS}\r`);
  }
  const out = {
    bench: 'pull + unpack of the echo image from 127.0.0.1:5000 into a fresh namespace',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    note: 'containerd shares blob bytes across namespaces (content_sharing_policy shared), so when another namespace holds the layer its download is skipped for both tools; unpack always runs.',
    runsPerVariant: RUNS,
    agent: { p50Ms: pct(agent, 50), p95Ms: pct(agent, 95), samplesMs: agent.map((x) => Math.round(x)) },
    ctr: { p50Ms: pct(ctrMs, 50), p95Ms: pct(ctrMs, 95), samplesMs: ctrMs.map((x) => Math.round(x)) },
    ratioAgentOverCtrP50: Math.round((pct(agent, 50) / pct(ctrMs, 50)) * 1000) / 1000,
    agentRss: {
      maxPeakMb: Math.round(Math.max(...rss.map((r) => r.peakRssMb))),
      maxGrowthMb: Math.round(Math.max(...rss.map((r) => r.peakRssMb - r.baseRssMb))),
    },
  };
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'containerd-pull.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
}

await main();
