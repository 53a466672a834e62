/**
 * Pull + unpack of the echo image, ours (ImagePuller in a child process) vs
 * `ctr -n <ns> images pull --plain-http`, side by side in one run, alternating which goes first.
 * Every round uses two fresh unique images (see pull.registry.ts) and two fresh namespaces,
 * removed afterwards (images, content, snapshots, namespace), so both really download 42 MB
 * and really unpack 100 MB. Also reports the peak RSS of our process during the pull.
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
import { createIsolation, WORKER_IMAGE_TAR, type TestIsolation } from '../test/helpers/index.js';
import { BenchRegistry } from './pull.registry.js';

const run = promisify(execFile);
const ROUNDS = Number(process.argv[2] ?? 5);
const HERE = fileURLToPath(new URL('.', import.meta.url));

interface Round { round: number; first: string; oursMs: number; ctrMs: number; peakRssMb: number; rssBeforeMb: number; peakArrayBuffersMb: number; fetchedBytes: number }
type Ours = Omit<Round, 'round' | 'first' | 'oursMs' | 'ctrMs'> & { ms: number };

async function ours(ns: string, ref: string): Promise<Ours> {
  const { stdout } = await run('npx', ['tsx', join(HERE, 'pull.worker.ts'), ns, ref], { cwd: join(HERE, '..'), timeout: 300_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Ours;
}

async function viaCtr(ns: string, ref: string): Promise<number> {
  const t0 = performance.now();
  await run('ctr', ['-n', ns, 'images', 'pull', '--plain-http', ref], { timeout: 300_000 });
  return performance.now() - t0;
}

function stats(xs: number[]): { median: number; mean: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: s[0]!, max: s.at(-1)! };
}

async function main(): Promise<void> {
  const registry = new BenchRegistry(WORKER_IMAGE_TAR);
  await registry.start();
  const rounds: Round[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const a = await registry.addImage(`r${r}-ours-${Date.now()}`);
      const b = await registry.addImage(`r${r}-ctr-${Date.now()}`);
      const isoOurs: TestIsolation = await createIsolation('bench-pull-ours');
      const isoCtr: TestIsolation = await createIsolation('bench-pull-ctr');
      try {
        const first = r % 2 === 0 ? 'ours' : 'ctr';
        let o: Ours;
        let c: number;
        if (first === 'ours') { o = await ours(isoOurs.namespace, a.ref); c = await viaCtr(isoCtr.namespace, b.ref); }
        else { c = await viaCtr(isoCtr.namespace, b.ref); o = await ours(isoOurs.namespace, a.ref); }
        if (o.fetchedBytes < a.layerBytes) throw new Error(`round ${r}: ours stored ${o.fetchedBytes} of ${a.layerBytes} bytes — not a real download`);
        rounds.push({ round: r, first, oursMs: o.ms, ctrMs: c, peakRssMb: o.peakRssMb, rssBeforeMb: o.rssBeforeMb, peakArrayBuffersMb: o.peakArrayBuffersMb, fetchedBytes: o.fetchedBytes });
        process.stderr.write(`round ${r} (${first} first): ours ${o.ms.toFixed(0)} ms, ctr ${c.toFixed(0)} ms, peak RSS ${o.peakRssMb.toFixed(1)} MB (before ${o.rssBeforeMb.toFixed(1)})\n`);
      } finally {
        await isoOurs.cleanup();
        await isoCtr.cleanup();
      }
    }
  } finally {
    await registry.close();
  }
  await report(rounds);
}

async function report(rounds: Round[]): Promise<void> {
  const o = stats(rounds.map((x) => x.oursMs));
  const c = stats(rounds.map((x) => x.ctrMs));
  const peak = Math.max(...rounds.map((x) => x.peakRssMb));
  const delta = Math.max(...rounds.map((x) => x.peakRssMb - x.rssBeforeMb));
  const buffers = Math.max(...rounds.map((x) => x.peakArrayBuffersMb));
  const result = {
    bench: 'pull', date: new Date().toISOString(), host: { cpus: os.cpus().length, load: os.loadavg() },
    image: 'echo layer (42.4 MB gzip, 100 MB unpacked) under a unique digest per pull', rounds,
    oursMs: o, ctrMs: c, ratioMedian: o.median / c.median, ratioMean: o.mean / c.mean, target: 1.2,
    peakRssMb: peak, peakRssDeltaMb: delta, peakArrayBuffersMb: buffers,
  };
  const dir = join(HERE, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pull.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    '# Pull + unpack: ImagePuller vs `ctr images pull --plain-http`', '',
    `${result.date}, ${rounds.length} rounds, ${result.host.cpus} CPUs, load ${result.host.load.map((l) => l.toFixed(2)).join(' ')}.`,
    `Image: ${result.image}; fresh namespaces each round, alternating which tool goes first.`, '',
    '| | median ms | mean ms | min | max |', '|---|---|---|---|---|',
    `| ours | ${o.median.toFixed(0)} | ${o.mean.toFixed(0)} | ${o.min.toFixed(0)} | ${o.max.toFixed(0)} |`,
    `| ctr | ${c.median.toFixed(0)} | ${c.mean.toFixed(0)} | ${c.min.toFixed(0)} | ${c.max.toFixed(0)} |`, '',
    `Ratio ours/ctr (median): **${result.ratioMedian.toFixed(2)}×** (target ≤ ${result.target}×); mean ${result.ratioMean.toFixed(2)}×.`,
    `Peak RSS of our process during the pull: **${peak.toFixed(1)} MB** (at most ${delta.toFixed(1)} MB above its pre-pull baseline) for a 42 MB layer; Node arrayBuffers (all Buffers, garbage included: V8 frees them lazily) peaked at ${buffers.toFixed(1)} MB.`, '',
  ].join('\n');
  await writeFile(join(dir, 'pull.md'), md);
  process.stdout.write(md);
}

await main();
