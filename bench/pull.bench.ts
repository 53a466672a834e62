/**
 * Pull + unpack of the echo image, ours (ImagePuller in a child process) vs
 * `ctr -n <ns> images pull --plain-http`, side by side in one run (ImagePuller is the one
 * puller the containerd adapter's ensureImage uses). The order rotates every round. Every pull gets a fresh unique image (see pull.registry.ts) and a fresh namespace,
 * removed afterwards (images, content, snapshots, namespace), so each really downloads 42 MB and
 * really unpacks 100 MB. Also reports the peak RSS of our process during the pull.
 *
 *   npx tsx bench/pull.bench.ts [rounds=5]
 * Results: bench/results/pull.json and bench/results/pull.md
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createIsolation, WORKER_IMAGE_TAR } from '../test/helpers/index.js';
import { BenchRegistry } from './pull.registry.js';

const run = promisify(execFile);
const ROUNDS = Number(process.argv[2] ?? 5);
const HERE = fileURLToPath(new URL('.', import.meta.url));

interface Sample { ms: number; peakRssMb?: number; rssBeforeMb?: number; peakArrayBuffersMb?: number; fetchedBytes?: number }
interface Round { round: number; order: string[]; samples: Record<string, Sample> }

/** Our ImagePuller in a child process (see pull.worker.ts). */
async function node(ns: string, ref: string): Promise<Sample> {
  const { stdout } = await run('npx', ['tsx', join(HERE, 'pull.worker.ts'), ns, ref], { cwd: join(HERE, '..'), timeout: 300_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample;
}

async function viaCtr(ns: string, ref: string): Promise<Sample> {
  const t0 = performance.now();
  await run('ctr', ['-n', ns, 'images', 'pull', '--plain-http', ref], { timeout: 300_000 });
  return { ms: performance.now() - t0 };
}

const VARIANTS: Record<string, (ns: string, ref: string) => Promise<Sample>> = {
  ours: node,
  ctr: viaCtr,
};

function stats(xs: number[]): { median: number; mean: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: s[0]!, max: s.at(-1)! };
}

async function main(): Promise<void> {
  const registry = new BenchRegistry(WORKER_IMAGE_TAR);
  await registry.start();
  const names = Object.keys(VARIANTS);
  const rounds: Round[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = names.map((_, i) => names[(i + r) % names.length]!);
      const samples: Record<string, Sample> = {};
      for (const v of order) {
        const img = await registry.addImage(`r${r}-${v}-${Date.now()}`);
        const iso = await createIsolation(`bench-pull-${v}`);
        try {
          samples[v] = await VARIANTS[v]!(iso.namespace, img.ref);
        } finally {
          await iso.cleanup();
        }
        const f = samples[v]!.fetchedBytes;
        if (f !== undefined && f < img.layerBytes) throw new Error(`round ${r}: ${v} stored ${f} of ${img.layerBytes} bytes, not a real download`);
      }
      rounds.push({ round: r, order, samples });
      process.stderr.write(`round ${r}: ${order.map((v) => `${v} ${samples[v]!.ms.toFixed(0)} ms`).join(', ')}; ours peak RSS ${samples['ours']!.peakRssMb!.toFixed(1)} MB\n`);
    }
  } finally {
    await registry.close();
  }
  await report(rounds);
}

async function report(rounds: Round[]): Promise<void> {
  const per = (v: string) => stats(rounds.map((x) => x.samples[v]!.ms));
  const o = per('ours');
  const c = per('ctr');
  const mine = rounds.map((x) => x.samples['ours']!);
  const peak = Math.max(...mine.map((x) => x.peakRssMb!));
  const delta = Math.max(...mine.map((x) => x.peakRssMb! - x.rssBeforeMb!));
  const buffers = Math.max(...mine.map((x) => x.peakArrayBuffersMb!));
  const result = {
    bench: 'pull', date: new Date().toISOString(), host: { cpus: os.cpus().length, load: os.loadavg() },
    image: 'echo layer (42.4 MB gzip, 100 MB unpacked) under a unique digest per pull', rounds,
    oursMs: o, ctrMs: c, ratioMedian: o.median / c.median, ratioMean: o.mean / c.mean, target: 1.2,
    peakRssMb: peak, peakRssDeltaMb: delta, peakArrayBuffersMb: buffers,
  };
  const dir = join(HERE, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pull.json'), `${JSON.stringify(result, null, 2)}\n`);
  const row = (name: string, x: ReturnType<typeof stats>) => `| ${name} | ${x.median.toFixed(0)} | ${x.mean.toFixed(0)} | ${x.min.toFixed(0)} | ${x.max.toFixed(0)} | ${(x.median / c.median).toFixed(2)}× |`;
  const md = [
    '# Pull + unpack: ImagePuller vs `ctr images pull --plain-http`', '',
    `${result.date}, ${rounds.length} rounds, ${result.host.cpus} CPUs, load ${result.host.load.map((l) => l.toFixed(2)).join(' ')} (other work was running).`,
    `Image: ${result.image}; a fresh namespace per pull, removed afterwards; the order rotates every round.`, '',
    '| variant | median ms | mean ms | min | max | median / ctr |', '|---|---|---|---|---|---|',
    row('ours (src/runtime/images)', o), row('ctr images pull', c), '',
    `Ratio ours/ctr (median): **${result.ratioMedian.toFixed(2)}×** (target ≤ ${result.target}×); mean ${result.ratioMean.toFixed(2)}×.`,
    `Peak RSS of our process during the pull: **${peak.toFixed(1)} MB**, at most ${delta.toFixed(1)} MB above its pre-pull baseline, for a 42 MB layer; Node arrayBuffers (all Buffers, garbage included: V8 frees them lazily) peaked at ${buffers.toFixed(1)} MB.`, '',
  ].join('\n');
  await writeFile(join(dir, 'pull.md'), md);
  process.stdout.write(md);
}

await main();
