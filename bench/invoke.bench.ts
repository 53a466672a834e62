/**
 * InvokeWorker proxy bench: proxied (through the Invoker) vs direct HTTP (an undici Client per
 * worker, the same keep-alive discipline) to the same workers, in one run, interleaved.
 *
 * Workers: 8 local echo servers on 127.0.0.2 … 127.0.0.9 (loopback aliases), in a child
 * process so they do not share the measuring event loop. Each answers the request body back
 * (1 KiB), like the echo worker's round trip. Both paths send one request at a time per
 * worker (the Invoker's gate; the direct Client's single pipelined-1 connection).
 *
 * Run: npx tsx bench/invoke.bench.ts  → bench/results/invoke.json + invoke.md
 * Env: BENCH_LATENCY_N (default 2000 per round), BENCH_THROUGHPUT_MS (default 2000 per round),
 *      BENCH_ROUNDS (default 5).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { createInvoker, type ProxyInvoker } from '../src/invoke/invoker.js';
import type { InvokeRequest } from '../src/invoke/invoke-api.js';
import { FakeSupervisor, FakeWorker } from '../test/invoke/helpers/fake-supervisor.js';

const WORKERS = 8;
const PORT = Number(process.env.BENCH_INVOKE_PORT ?? 18_000 + (process.pid % 1000));
const HOSTS = Array.from({ length: WORKERS }, (_, i) => `127.0.0.${i + 2}`);
const PATH = '/2015-03-31/functions/function/invocations';
const PAYLOAD = Buffer.from(JSON.stringify({ data: 'x'.repeat(1024 - 11) }));
const LATENCY_N = Number(process.env.BENCH_LATENCY_N ?? 2000);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const OWNER = 'bench';

type Call = (worker: number) => Promise<number>;

/** Child process: the 8 echo workers. */
async function serve(): Promise<void> {
  const servers = await Promise.all(HOSTS.map((host) => new Promise<http.Server>((resolve, reject) => {
    const s = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      });
    });
    s.keepAliveTimeout = 60_000;
    s.once('error', reject);
    s.listen(PORT, host, () => resolve(s));
  })));
  process.send?.('ready');
  process.on('disconnect', () => { for (const s of servers) s.close(); process.exit(0); });
}

function startWorkers(): Promise<ChildProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    stdio: 'inherit', env: { ...process.env, BENCH_INVOKE_PORT: String(PORT) },
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`echo workers exited (${code})`)));
  });
}

function directCalls(): { call: Call; close: () => Promise<void> } {
  const clients = HOSTS.map((h) => new Client(`http://${h}:${PORT}`, { pipelining: 1, keepAliveTimeout: 4000 }));
  const call: Call = async (w) => {
    const res = await clients[w]!.request({ path: PATH, method: 'POST', body: PAYLOAD, headers: { 'content-type': 'application/json' } });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200 || body.length !== PAYLOAD.length) throw new Error(`direct: bad answer ${res.statusCode}`);
    return body.length;
  };
  return { call, close: async () => { await Promise.all(clients.map((c) => c.close())); } };
}

function proxiedCalls(): { call: Call; close: () => Promise<void>; invoker: ProxyInvoker } {
  const sup = new FakeSupervisor();
  HOSTS.forEach((h, i) => sup.add(new FakeWorker(`bench-w${i}`, OWNER, h, PORT)));
  const invoker = createInvoker({ supervisor: sup });
  const reqs: InvokeRequest[] = HOSTS.map((_, i) => ({
    containerId: `bench-w${i}`, ownerId: OWNER, path: '', payload: PAYLOAD,
    headers: { 'content-type': 'application/json' }, timeoutMs: 30_000,
  }));
  const call: Call = async (w) => {
    const out = await invoker.invoke(reqs[w]!, {});
    if (out.statusCode !== 200 || out.body.length !== PAYLOAD.length) throw new Error(`proxied: bad answer ${out.statusCode}`);
    return out.body.length;
  };
  return { call, close: () => invoker.close(), invoker };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** `callers` concurrent loops on worker 0, `n` calls in total; per-call latency in ms. */
async function latency(call: Call, callers: number, n: number): Promise<number[]> {
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
 * Two callers per worker on all 8 workers for `ms`: completed calls per second, and this
 * process's CPU time per call (µs; robust to other load on the machine).
 */
async function throughput(call: Call, ms: number): Promise<{ perSec: number; cpuUs: number }> {
  let done = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: WORKERS * 2 }, async (_, i) => {
    while (performance.now() < end) {
      await call(i % WORKERS);
      done++;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  return { perSec: done / (ms / 1000), cpuUs: (cpu.user + cpu.system) / done };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

interface LatencyRow { callers: number; mode: 'direct' | 'proxied'; p50Ms: number; p99Ms: number; n: number }

async function main(): Promise<void> {
  const child = await startWorkers();
  const direct = directCalls();
  const proxied = proxiedCalls();
  const modes = { direct: direct.call, proxied: proxied.call } as const;
  try {
    for (const m of Object.values(modes)) { await latency(m, 1, 500); await throughput(m, 500); } // warm-up
    const lat: Record<string, number[]> = {};
    const tput: Record<string, number[]> = { direct: [], proxied: [] };
    const cpu: Record<string, number[]> = { direct: [], proxied: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const callers of [1, 16]) {
        for (const [mode, call] of r % 2 === 0 ? Object.entries(modes) : Object.entries(modes).reverse()) {
          (lat[`${mode}:${callers}`] ??= []).push(...await latency(call, callers, LATENCY_N));
        }
      }
      for (const [mode, call] of r % 2 === 0 ? Object.entries(modes) : Object.entries(modes).reverse()) {
        const t = await throughput(call, THROUGHPUT_MS);
        tput[mode]!.push(t.perSec);
        cpu[mode]!.push(t.cpuUs);
      }
    }
    const rows: LatencyRow[] = [];
    for (const callers of [1, 16]) {
      for (const mode of ['direct', 'proxied'] as const) {
        const s = (lat[`${mode}:${callers}`] ?? []).sort((a, b) => a - b);
        rows.push({ callers, mode, p50Ms: round3(percentile(s, 50)), p99Ms: round3(percentile(s, 99)), n: s.length });
      }
    }
    const find = (c: number, m: string): LatencyRow => rows.find((x) => x.callers === c && x.mode === m)!;
    const added1 = round3(find(1, 'proxied').p50Ms - find(1, 'direct').p50Ms);
    const added16 = round3(find(16, 'proxied').p50Ms - find(16, 'direct').p50Ms);
    const tDirect = Math.round(median(tput.direct!));
    const tProxied = Math.round(median(tput.proxied!));
    const ratio = round3(tProxied / tDirect);
    const cpuDirect = round3(median(cpu.direct!));
    const cpuProxied = round3(median(cpu.proxied!));
    const result = {
      bench: 'invoke', at: new Date().toISOString(), node: process.version, cpus: os.cpus().length,
      loadavg: os.loadavg().map(round3),
      setup: {
        workers: `${WORKERS} local echo HTTP servers on 127.0.0.2-9:${PORT} in a child process (not RIE)`,
        payloadBytes: PAYLOAD.length, proxied: 'createInvoker() in-process with a fake supervisor (no gRPC)',
        direct: 'undici Client per worker, pipelining 1, keep-alive', rounds: ROUNDS, latencyNPerRound: LATENCY_N,
        throughputMsPerRound: THROUGHPUT_MS, throughputCallers: WORKERS * 2,
      },
      latency: rows,
      addedP50Ms: { callers1: added1, callers16: added16 },
      throughput: { directPerSec: tDirect, proxiedPerSec: tProxied, ratio, roundsDirect: tput.direct!.map(Math.round), roundsProxied: tput.proxied!.map(Math.round),
        cpuUsPerCallDirect: cpuDirect, cpuUsPerCallProxied: cpuProxied, addedCpuUsPerCall: round3(cpuProxied - cpuDirect) },
      targets: { addedP50MaxMs: 0.5, addedP50Met: added1 <= 0.5, throughputRatioMin: 0.7, throughputMet: ratio >= 0.7 },
    };
    const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'invoke.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(out, 'invoke.md'), markdown(result, rows));
    console.log(markdown(result, rows));
  } finally {
    await direct.close();
    await proxied.close();
    child.disconnect();
  }
}

function markdown(r: { at: string; node: string; cpus: number; loadavg: number[]; setup: { workers: string; proxied: string; direct: string }; addedP50Ms: { callers1: number; callers16: number }; throughput: { directPerSec: number; proxiedPerSec: number; ratio: number; cpuUsPerCallDirect: number; cpuUsPerCallProxied: number }; targets: { addedP50Met: boolean; throughputMet: boolean } }, rows: LatencyRow[]): string {
  const lines = [
    '# Invoke proxy bench', '',
    `${r.at}, Node ${r.node}, ${r.cpus} CPUs, load ${r.loadavg.join(' ')}.`, '',
    `- Workers: ${r.setup.workers}`, `- Proxied: ${r.setup.proxied}`, `- Direct: ${r.setup.direct}`, '',
    '| callers | mode | p50 ms | p99 ms | n |', '|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.callers} | ${x.mode} | ${x.p50Ms} | ${x.p99Ms} | ${x.n} |`), '',
    `Added p50: ${r.addedP50Ms.callers1} ms (1 caller), ${r.addedP50Ms.callers16} ms (16 callers); target ≤ 0.5 ms: ${r.targets.addedP50Met ? 'met' : 'NOT met'}.`, '',
    `Throughput across 8 workers (16 callers): direct ${r.throughput.directPerSec}/s, proxied ${r.throughput.proxiedPerSec}/s, ratio ${r.throughput.ratio}; target ≥ 0.7: ${r.targets.throughputMet ? 'met' : 'NOT met'}.`, '',
    `Client-process CPU per call (medians): direct ${r.throughput.cpuUsPerCallDirect} µs, proxied ${r.throughput.cpuUsPerCallProxied} µs.`, '',
  ];
  return lines.join('\n');
}

if (process.argv.includes('--serve')) void serve();
else await main();
