/**
 * The SIMULATED invoke bench (secondary table of bench/invoke.bench.ts): 8 trivial in-process
 * echo HTTP servers on 127.0.0.2 … 127.0.0.9 (a child process; not RIE, not containers), so
 * the worker costs almost nothing and the agent's own overhead shows. Modes, interleaved:
 *
 *   direct       undici Client per worker (pipelining 1, keep-alive)
 *   proxied      createInvoker() in the bench process with a fake supervisor (no gRPC)
 *   grpc         InvokeWorker through createGrpcServer() + createInvoker() in a child process
 *   grpcHopOnly  the same gRPC server with an invoker that echoes without HTTP (the hop alone)
 *
 * Imported by the main bench (`runSimulated`); forked as its own child roles
 * (`--sim-serve`, `--sim-agent`, `--sim-agent-null`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
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
import { type Call, latency, latencyRows, type LatencyRow, median, percentile, rotate, round3, throughput } from './invoke.stats.js';

const WORKERS = 8;
const PORT = Number(process.env.BENCH_INVOKE_PORT ?? 18_000 + (process.pid % 1000));
const HOSTS = Array.from({ length: WORKERS }, (_, i) => `127.0.0.${i + 2}`);
const PATH = '/2015-03-31/functions/function/invocations';
const PAYLOAD = Buffer.from(JSON.stringify({ data: 'x'.repeat(1024 - 11) }));
const OWNER = 'bench';

export const SIM_MODES = ['direct', 'proxied', 'grpc', 'grpcHopOnly'] as const;
type Mode = (typeof SIM_MODES)[number];

export interface SimOptions { rounds: number; latencyN: number; throughputMs: number; perWorker: number }

/** Child: the 8 echo servers. */
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

function workerSupervisor(): FakeSupervisor {
  const sup = new FakeSupervisor();
  HOSTS.forEach((h, i) => sup.add(new FakeWorker(`bench-w${i}`, OWNER, h, PORT)));
  return sup;
}

/** Child: the agent's gRPC server with the Invoker (or, `nullInvoker`, an echo without HTTP). */
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
  const child = fork(fileURLToPath(import.meta.url), [role], { stdio: 'inherit', env: { ...process.env, BENCH_INVOKE_PORT: String(PORT) } });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, message }));
    child.once('exit', (code) => reject(new Error(`${role} child exited (${code})`)));
  });
}

function grpcCalls(port: number): { call: Call; close: () => void } {
  const client = connectAgent(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': grpcMessageLimits().maxSendMessageLength,
  });
  const reqs = HOSTS.map((_, i) => ({
    container_id: `bench-w${i}`, owner_id: OWNER, path: '', payload: PAYLOAD, headers: { 'content-type': 'application/json' }, timeout_ms: 30_000,
  }));
  const call: Call = async (w) => {
    const out = await client.ok<{ status_code: number; body: Buffer }>('InvokeWorker', reqs[w]!);
    if (out.status_code !== 200 || out.body.length !== PAYLOAD.length) throw new Error(`grpc: bad answer ${out.status_code}`);
    return out.body.length;
  };
  return { call, close: () => client.close() };
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
  const invoker = createInvoker({ supervisor: workerSupervisor() });
  const reqs: InvokeRequest[] = HOSTS.map((_, i) => ({
    containerId: `bench-w${i}`, ownerId: OWNER, path: '', payload: PAYLOAD, headers: { 'content-type': 'application/json' }, timeoutMs: 30_000,
  }));
  const call: Call = async (w) => {
    const out = await invoker.invoke(reqs[w]!, {});
    if (out.statusCode !== 200 || out.body.length !== PAYLOAD.length) throw new Error(`proxied: bad answer ${out.statusCode}`);
    return out.body.length;
  };
  return { call, close: () => invoker.close(), invoker };
}

/** `n` sequential proxied calls to a worker that never answers, timeout `ms`: overshoot = elapsed − requested. */
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

/** The simulated suite's result. */
export interface SimResult {
  setup: Record<string, unknown>;
  latency: LatencyRow[];
  addedP50Ms: Record<string, { callers1: number; callers16: number }>;
  throughput: Record<string, { perSec: number; ratioToDirect: number; rounds: number[]; benchProcessCpuUsPerCall: number }>;
  timeoutAccuracy: Awaited<ReturnType<typeof timeoutAccuracy>>;
}

/** Runs the simulated suite (children started and stopped here). */
export async function runSimulated(o: SimOptions): Promise<SimResult> {
  const kids = [await startChild('--sim-serve'), await startChild('--sim-agent'), await startChild('--sim-agent-null')];
  const direct = directCalls();
  const proxied = proxiedCalls();
  const viaGrpc = grpcCalls(Number(kids[1]!.message));
  const hopOnly = grpcCalls(Number(kids[2]!.message));
  const calls: Record<Mode, Call> = { direct: direct.call, proxied: proxied.call, grpc: viaGrpc.call, grpcHopOnly: hopOnly.call };
  try {
    for (const m of SIM_MODES) { await latency(calls[m], 1, 500); await throughput(calls[m], WORKERS, o.perWorker, 300); }
    const lat: Record<string, number[]> = {};
    const tput: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    for (let r = 0; r < o.rounds; r++) {
      for (const callers of [1, 16]) {
        for (const mode of rotate(SIM_MODES, r)) (lat[`${mode}:${callers}`] ??= []).push(...await latency(calls[mode], callers, o.latencyN));
      }
      for (const mode of rotate(SIM_MODES, r)) {
        const t = await throughput(calls[mode], WORKERS, o.perWorker, o.throughputMs);
        (tput[mode] ??= []).push(t.perSec);
        (cpu[mode] ??= []).push(t.cpuUs);
      }
    }
    const accuracy = await timeoutAccuracy(proxied.invoker, 500, 10);
    const rows = latencyRows(lat, SIM_MODES, [1, 16]);
    const p50 = (c: number, m: string): number => rows.find((x) => x.callers === c && x.mode === m)!.p50Ms;
    const added = (m: string, base = 'direct') => ({ callers1: round3(p50(1, m) - p50(1, base)), callers16: round3(p50(16, m) - p50(16, base)) });
    const perSec = (m: string): number => Math.round(median(tput[m]!));
    return {
      setup: {
        workers: `${WORKERS} trivial echo HTTP servers on 127.0.0.2-9:${PORT} in a child process (not RIE, not containers)`,
        direct: 'undici Client per worker, pipelining 1, keep-alive',
        proxied: 'createInvoker() in the bench process with a fake supervisor (no gRPC)',
        grpc: 'InvokeWorker via createGrpcServer() + createInvoker() in a child process; grpc-js client in the bench process, insecure, one channel',
        grpcHopOnly: 'the same gRPC server and client with an invoker that echoes the payload without HTTP (the gRPC hop alone)',
        rounds: o.rounds, latencyNPerRound: o.latencyN, throughputMsPerRound: o.throughputMs, throughputCallers: WORKERS * o.perWorker,
      },
      latency: rows,
      addedP50Ms: { proxied: added('proxied'), grpc: added('grpc'), grpcHopOnly: added('grpcHopOnly'), grpcMinusHop: added('grpc', 'grpcHopOnly') },
      throughput: Object.fromEntries(SIM_MODES.map((m) => [m, {
        perSec: perSec(m), ratioToDirect: round3(perSec(m) / perSec('direct')), rounds: tput[m]!.map(Math.round),
        benchProcessCpuUsPerCall: round3(median(cpu[m]!)),
      }])),
      timeoutAccuracy: accuracy,
    };
  } finally {
    await direct.close();
    await proxied.close();
    viaGrpc.close();
    hopOnly.close();
    for (const k of kids) k.child.disconnect();
  }
}

if (process.argv.includes('--sim-serve')) void serve();
else if (process.argv.includes('--sim-agent')) void serveAgent(false);
else if (process.argv.includes('--sim-agent-null')) void serveAgent(true);
