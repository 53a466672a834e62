/**
 * InvokeWorker proxy bench: direct HTTP (an undici Client per worker, the same keep-alive
 * discipline) vs proxied through the Invoker in-process vs proxied through the real gRPC
 * server (InvokeWorker over grpc-js, agent in its own process), to the same workers, in one
 * run, interleaved.
 *
 * Workers: 8 local echo servers on 127.0.0.2 … 127.0.0.9 (loopback aliases), in a child
 * process so they do not share the measuring event loop. Each answers the request body back
 * (1 KiB), like the echo worker's round trip. Every path sends one request at a time per
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
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { createInvoker, type ProxyInvoker } from '../src/invoke/invoker.js';
import type { Invoker, InvokeRequest } from '../src/invoke/invoke-api.js';
import { grpcMessageLimits } from '../src/invoke/message-limits.js';
import type { Supervisor } from '../src/machines/supervisor-api.js';
import { createGrpcServer } from '../src/server/server.js';
import { FakeSupervisor, FakeWorker } from '../test/invoke/helpers/fake-supervisor.js';
import { connectAgent } from '../test/server/helpers/agent-client.js';

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
        if (body.length === 4 && body.toString() === 'hang') return; // never answers (timeout accuracy)
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

/**
 * Child process: the agent's gRPC server with the Invoker in front of the 8 workers, or with
 * `nullInvoker` an invoker that answers the payload back without any HTTP (the gRPC hop alone).
 */
async function serveAgent(nullInvoker: boolean): Promise<void> {
  const sup = workerSupervisor();
  const invoker: Invoker = nullInvoker
    ? { invoke: async (r) => ({ statusCode: 200, headers: {}, body: r.payload }), close: async () => undefined }
    : createInvoker({ supervisor: sup });
  const limits = grpcMessageLimits();
  const agent = createGrpcServer({
    supervisor: sup as unknown as Supervisor, invoker, log: pino({ level: 'silent' }),
    tls: { disabled: true, certPath: '', keyPath: '', caPath: '' }, reflection: false,
    maxReceiveMessageBytes: limits.maxReceiveMessageLength, maxSendMessageBytes: limits.maxSendMessageLength,
  });
  const port = await agent.bind('127.0.0.1', 0);
  agent.setServing(true);
  process.send?.(port);
  process.on('disconnect', () => void agent.shutdown(1000).then(() => invoker.close()).then(() => process.exit(0)));
}

function startChild(role: string): Promise<{ child: ChildProcess; message: unknown }> {
  const child = fork(fileURLToPath(import.meta.url), [role], {
    stdio: 'inherit', env: { ...process.env, BENCH_INVOKE_PORT: String(PORT) },
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, message }));
    child.once('exit', (code) => reject(new Error(`${role} child exited (${code})`)));
  });
}

function workerSupervisor(): FakeSupervisor {
  const sup = new FakeSupervisor();
  HOSTS.forEach((h, i) => sup.add(new FakeWorker(`bench-w${i}`, OWNER, h, PORT)));
  return sup;
}

function grpcCalls(port: number): { call: Call; close: () => Promise<void> } {
  const client = connectAgent(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': grpcMessageLimits().maxSendMessageLength,
  });
  const reqs = HOSTS.map((_, i) => ({
    container_id: `bench-w${i}`, owner_id: OWNER, path: '', payload: PAYLOAD,
    headers: { 'content-type': 'application/json' }, timeout_ms: 30_000,
  }));
  const call: Call = async (w) => {
    const out = await client.ok<{ status_code: number; body: Buffer }>('InvokeWorker', reqs[w]!);
    if (out.status_code !== 200 || out.body.length !== PAYLOAD.length) throw new Error(`grpc: bad answer ${out.status_code}`);
    return out.body.length;
  };
  return { call, close: async () => client.close() };
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
  const sup = workerSupervisor();
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

type Mode = 'direct' | 'proxied' | 'grpc' | 'grpcHopOnly';
const MODES: readonly Mode[] = ['direct', 'proxied', 'grpc', 'grpcHopOnly'];
interface LatencyRow { callers: number; mode: Mode; p50Ms: number; p99Ms: number; n: number }

/**
 * How close DEADLINE_EXCEEDED comes to the requested timeout: `n` sequential proxied calls to a
 * worker that never answers, with `timeout_ms` = `ms`; overshoot = elapsed − requested.
 */
async function timeoutAccuracy(invoker: ProxyInvoker, ms: number, n: number) {
  const over: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const err = await invoker.invoke({ containerId: `bench-w${i % WORKERS}`, ownerId: OWNER, path: '', payload: Buffer.from('hang'), headers: {}, timeoutMs: ms }, {})
      .then(() => undefined, (e: unknown) => e as { code?: string });
    if (err?.code !== 'DEADLINE_EXCEEDED') throw new Error(`timeout accuracy: expected DEADLINE_EXCEEDED, got ${String(err?.code)}`);
    over.push(performance.now() - t - ms);
  }
  over.sort((a, b) => a - b);
  const max = over[over.length - 1] ?? Number.NaN;
  return { requestedMs: ms, calls: n, p50OvershootMs: round3(percentile(over, 50)), maxOvershootMs: round3(max), maxWithinTenPercent: max <= ms * 0.1 };
}

/** The modes in a rotating order per round, so none always runs first. */
function order(round: number): Mode[] {
  return MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
}

async function main(): Promise<void> {
  const workers = await startChild('--serve');
  const agentChild = await startChild('--serve-agent');
  const nullAgentChild = await startChild('--serve-agent-null');
  const direct = directCalls();
  const proxied = proxiedCalls();
  const viaGrpc = grpcCalls(Number(agentChild.message));
  const hopOnly = grpcCalls(Number(nullAgentChild.message));
  const calls: Record<Mode, Call> = { direct: direct.call, proxied: proxied.call, grpc: viaGrpc.call, grpcHopOnly: hopOnly.call };
  try {
    for (const m of MODES) { await latency(calls[m], 1, 500); await throughput(calls[m], 500); } // warm-up
    const lat: Record<string, number[]> = {};
    const tput: Record<Mode, number[]> = { direct: [], proxied: [], grpc: [], grpcHopOnly: [] };
    const cpu: Record<Mode, number[]> = { direct: [], proxied: [], grpc: [], grpcHopOnly: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const callers of [1, 16]) {
        for (const mode of order(r)) (lat[`${mode}:${callers}`] ??= []).push(...await latency(calls[mode], callers, LATENCY_N));
      }
      for (const mode of order(r)) {
        const t = await throughput(calls[mode], THROUGHPUT_MS);
        tput[mode].push(t.perSec);
        cpu[mode].push(t.cpuUs);
      }
    }
    const accuracy = await timeoutAccuracy(proxied.invoker, 500, 10);
    const rows: LatencyRow[] = [];
    for (const callers of [1, 16]) {
      for (const mode of MODES) {
        const s = (lat[`${mode}:${callers}`] ?? []).sort((a, b) => a - b);
        rows.push({ callers, mode, p50Ms: round3(percentile(s, 50)), p99Ms: round3(percentile(s, 99)), n: s.length });
      }
    }
    const p50 = (c: number, m: Mode): number => rows.find((x) => x.callers === c && x.mode === m)!.p50Ms;
    const added = (m: Mode) => ({ callers1: round3(p50(1, m) - p50(1, 'direct')), callers16: round3(p50(16, m) - p50(16, 'direct')) });
    const perSec = (m: Mode): number => Math.round(median(tput[m]));
    const ratio = (m: Mode): number => round3(perSec(m) / perSec('direct'));
    const result = {
      bench: 'invoke', at: new Date().toISOString(), node: process.version, cpus: os.cpus().length,
      loadavg: os.loadavg().map(round3),
      setup: {
        workers: `${WORKERS} local echo HTTP servers on 127.0.0.2-9:${PORT} in a child process (not RIE, not containers)`,
        payloadBytes: PAYLOAD.length,
        direct: 'undici Client per worker, pipelining 1, keep-alive',
        proxied: 'createInvoker() in the bench process with a fake supervisor (no gRPC)',
        grpc: 'InvokeWorker through createGrpcServer() + createInvoker() in a second child process, grpc-js client, insecure, one channel',
        grpcHopOnly: 'the same gRPC server and client with an invoker that echoes the payload without HTTP (cost of the gRPC hop alone; its "added" figures are vs direct HTTP, for scale)',
        rounds: ROUNDS, latencyNPerRound: LATENCY_N, throughputMsPerRound: THROUGHPUT_MS, throughputCallers: WORKERS * 2,
      },
      latency: rows,
      addedP50Ms: { proxied: added('proxied'), grpc: added('grpc'), grpcHopOnly: added('grpcHopOnly'),
        grpcMinusHop: { callers1: round3(p50(1, 'grpc') - p50(1, 'grpcHopOnly')), callers16: round3(p50(16, 'grpc') - p50(16, 'grpcHopOnly')) } },
      throughput: Object.fromEntries(MODES.map((m) => [m, {
        perSec: perSec(m), ratioToDirect: ratio(m), rounds: tput[m].map(Math.round),
        benchProcessCpuUsPerCall: round3(median(cpu[m])),
      }])),
      timeoutAccuracy: accuracy,
      targets: {
        addedP50MaxMs: 0.5, throughputRatioMin: 0.7,
        proxied: { addedP50Met: added('proxied').callers1 <= 0.5, throughputMet: ratio('proxied') >= 0.7 },
        grpc: { addedP50Met: added('grpc').callers1 <= 0.5, throughputMet: ratio('grpc') >= 0.7 },
      },
    };
    const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'invoke.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(out, 'invoke.md'), markdown(result, rows));
    console.log(markdown(result, rows));
  } finally {
    await direct.close();
    await proxied.close();
    await viaGrpc.close();
    await hopOnly.close();
    workers.child.disconnect();
    agentChild.child.disconnect();
    nullAgentChild.child.disconnect();
  }
}

interface Summary {
  at: string; node: string; cpus: number; loadavg: number[];
  setup: Record<string, unknown>;
  addedP50Ms: Record<string, { callers1: number; callers16: number }>;
  throughput: Record<string, { perSec: number; ratioToDirect: number; benchProcessCpuUsPerCall: number }>;
  targets: Record<string, unknown>;
  timeoutAccuracy: { requestedMs: number; calls: number; p50OvershootMs: number; maxOvershootMs: number; maxWithinTenPercent: boolean };
}

function markdown(r: Summary, rows: LatencyRow[]): string {
  const t = r.throughput;
  return [
    '# Invoke proxy bench', '',
    `${r.at}, Node ${r.node}, ${r.cpus} CPUs, load average at the end ${r.loadavg.join(' ')} (other work shares the machine).`, '',
    ...['workers', 'direct', 'proxied', 'grpc', 'grpcHopOnly'].map((k) => `- ${k}: ${String(r.setup[k])}`),
    `- 1 KiB echo; ${String(r.setup.rounds)} interleaved rounds; latency ${String(r.setup.latencyNPerRound)} calls per round and mode; throughput ${String(r.setup.throughputMsPerRound)} ms per round and mode with 16 callers (2 per worker).`, '',
    '| callers | mode | p50 ms | p99 ms | n |', '|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.callers} | ${x.mode} | ${x.p50Ms} | ${x.p99Ms} | ${x.n} |`), '',
    '| added p50 vs direct | 1 caller | 16 callers |', '|---|---|---|',
    ...Object.entries(r.addedP50Ms).map(([m, a]) => `| ${m} | ${a.callers1} ms | ${a.callers16} ms |`), '',
    '| throughput, 8 workers | calls/s (median) | ratio to direct | bench-process CPU µs/call |', '|---|---|---|---|',
    ...Object.entries(t).map(([m, x]) => `| ${m} | ${x.perSec} | ${x.ratioToDirect} | ${x.benchProcessCpuUsPerCall} |`), '',
    `Timeout accuracy (proxied, timeout_ms ${r.timeoutAccuracy.requestedMs}, ${r.timeoutAccuracy.calls} calls to a worker that never answers): DEADLINE_EXCEEDED after +${r.timeoutAccuracy.p50OvershootMs} ms (p50), +${r.timeoutAccuracy.maxOvershootMs} ms (max); within 10 %: ${r.timeoutAccuracy.maxWithinTenPercent}.`, '',
    `Targets (added p50 ≤ 0.5 ms with 1 caller; throughput ≥ 0.7 × direct): ${JSON.stringify(r.targets)}`, '',
  ].join('\n');
}

if (process.argv.includes('--serve')) void serve();
else if (process.argv.includes('--serve-agent')) void serveAgent(false);
else if (process.argv.includes('--serve-agent-null')) void serveAgent(true);
else await main();
