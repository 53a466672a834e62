/**
 * InvokeWorker bench (issue 7): proxied vs direct HTTP to the SAME real workers, in one run.
 *
 * Primary: 8 echo workers (the test bed's image 127.0.0.1:5000/esb/echo:latest, RIE-like, one
 * invocation at a time) started THROUGH THE AGENT (EnsureContainer) on containerd (and docker
 * with BENCH_RUNTIMES=containerd,docker), inside a test-bed isolation that is cleaned up after.
 * Modes, interleaved per round with a rotating order:
 *   direct      undici Client per worker to <worker ip>:8080 (pipelining 1, keep-alive)
 *   grpc        InvokeWorker over grpc-js (one channel, insecure) to the agent
 *   grpc-h2     InvokeWorker over a lean gRPC client on node:http2 (bench/invoke.h2-client.ts),
 *               closer to the gateway's grpc-go in cost per call than grpc-js
 *   null-proxy  a do-nothing HTTP/1.1 forwarder in a child process (bench/invoke.null-proxy.ts):
 *               the cheapest L7 hop, a lower bound for any proxy on this machine
 *   tcp-relay   a byte relay in the same child (one port per worker): the cheapest hop at all
 *   grpc-h2-hop grpc-h2 to a second agent child (simulated runtime) whose invoker answers at once
 *               without HTTP: the agent's gRPC hop alone (server, per-RPC log line, metrics),
 *               for its CPU per call; no worker does any work, so its rate is not a proxy's
 * The agent runs in a child process (client and server on separate event loops, as a gateway
 * and an agent would be) and, unless BENCH_AGENT=child, again in the bench process.
 * Latency: 1 KiB echo to worker 0 with 1 and 16 callers. Throughput: 8 workers × N callers.
 * CPU per call is read for the bench process and, over IPC, for the proxy's process.
 *
 * Secondary (clearly labelled "simulated"): bench/invoke.sim.ts, trivial in-process echo
 * servers, which isolates the agent's own overhead.
 *
 * Run (root, test bed up): npx tsx bench/invoke.bench.ts → bench/results/invoke.json + .md
 * Env: BENCH_ROUNDS (5), BENCH_LATENCY_N (1000 per round), BENCH_THROUGHPUT_MS (2000 per round),
 *      BENCH_PER_WORKER (2 callers per worker), BENCH_RUNTIMES (containerd), BENCH_AGENT
 *      (child,inproc), BENCH_SIM (1; 0 skips the simulated table), BENCH_AGENT_LOG_LEVEL (info, the
 *      agent's default), BENCH_AGENT_PROF (a folder: CPU profile of the agent child),
 *      BENCH_MODES (all: direct,grpc,grpc-h2,null-proxy,tcp-relay,grpc-h2-hop; direct is always run).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { Client, request } from 'undici';
import type { Invoker } from '../src/invoke/invoke-api.js';
import { grpcMessageLimits } from '../src/invoke/message-limits.js';
import { startAgent } from '../src/main.js';
import { agentEnv, INVOKE_PATH, OWNER } from '../test/agent/agent-support.js';
import { createIsolation, requireRuntimes, type TestIsolation, WORKER_IMAGE_REF } from '../test/helpers/index.js';
import { connectAgent } from '../test/server/helpers/agent-client.js';
import { type Call, latency, latencyRows, type LatencyRow, median, rotate, round3, throughput, USER_HZ } from './invoke.stats.js';
import { runSimulated, type SimResult } from './invoke.sim.js';
import { markdown } from './invoke.report.js';
import { connectH2Invoke, type H2InvokeClient, type H2InvokeRequest } from './invoke.h2-client.js';
import { type NullProxyPorts, nullProxyChild } from './invoke.null-proxy.js';

const WORKERS = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LATENCY_N = Number(process.env.BENCH_LATENCY_N ?? 1000);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 2000);
const PER_WORKER = Number(process.env.BENCH_PER_WORKER ?? 2);
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? 'containerd').split(',') as Array<'containerd' | 'docker'>;
const WHERE = (process.env.BENCH_AGENT ?? 'child,inproc').split(',') as Array<'child' | 'inproc'>;
const PAYLOAD = Buffer.from(JSON.stringify({ data: 'x'.repeat(1024 - 11) }));
const ALL_MODES = ['direct', 'grpc', 'grpc-h2', 'null-proxy', 'tcp-relay', 'grpc-h2-hop'] as const;
type Mode = (typeof ALL_MODES)[number];
const MODES: readonly Mode[] = ALL_MODES.filter((m) => m === 'direct' || (process.env.BENCH_MODES ?? ALL_MODES.join(',')).split(',').includes(m));
/** Proxied modes and the process whose CPU is their proxy's. */
type ProxyProcess = 'agent' | 'nullProxy' | 'hopAgent';
const PROXY_OF: Record<Exclude<Mode, 'direct'>, ProxyProcess> = {
  grpc: 'agent', 'grpc-h2': 'agent', 'null-proxy': 'nullProxy', 'tcp-relay': 'nullProxy', 'grpc-h2-hop': 'hopAgent',
};
const PROXIED = MODES.filter((m): m is Exclude<Mode, 'direct'> => m !== 'direct');

/** The agent's options in both placements: its real log lines (one per RPC at info) go to /dev/null. */
function agentOptions(workDir: string) {
  return {
    logDestination: pino.destination({ dest: '/dev/null', sync: true }),
    runtimeOverrides: { cniIdentityFile: join(workDir, 'esb-cni.env'), resolvConfDir: join(workDir, 'resolv') },
  };
}

/** A process the bench talks to (an agent, the null proxies), wherever it runs. */
interface BenchProcess {
  /** CPU µs the process has used so far (undefined when it is the bench process). */
  cpuUs(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** An agent the bench talks to, wherever it runs. */
interface BenchAgent extends BenchProcess {
  port: number;
}

/**
 * Forks this file in child role `role`, sends it `init` and waits for its first answer. The
 * child answers 'cpu' with its CPU time and exits on 'stop' or disconnect.
 */
async function forkChild<T>(role: string, init: unknown, execArgv: string[] = []): Promise<{ first: T; proc: BenchProcess }> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [role], { stdio: 'inherit', execArgv: [...process.execArgv, ...execArgv] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <R>(): Promise<R> => new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as R));
    void exited.then(() => reject(new Error(`${role} child exited`)));
  });
  child.send(init as object);
  const first = await next<T>();
  return {
    first,
    proc: {
      cpuUs: async () => { child.send('cpu'); return (await next<{ cpuUs: number }>()).cpuUs; },
      stop: async () => { if (child.connected) child.send('stop'); await exited; },
    },
  };
}

/** An invoker that answers every invocation at once with its payload, without HTTP. */
const echoInvoker: Invoker = {
  invoke: async (req) => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: req.payload }),
  close: async () => undefined,
};

/**
 * Child role: runs the agent from the env it is sent (with `echo`, its invoker is replaced by
 * {@link echoInvoker}); answers 'cpu'; stops on 'stop' or disconnect.
 */
function agentChild(): void {
  process.once('message', (msg: { env: Record<string, string>; workDir: string; echo?: boolean }) => {
    void startAgent(msg.env, { ...agentOptions(msg.workDir), ...(msg.echo ? { invoker: () => echoInvoker } : {}) })
      .then((agent) => {
        let stopping: Promise<void> | undefined;
        const stop = (): Promise<void> => (stopping ??= agent.stop('bench done').finally(() => process.exit(0)));
        process.on('message', (m) => {
          if (m === 'stop') void stop();
          if (m === 'cpu') { const c = process.cpuUsage(); process.send?.({ cpuUs: c.user + c.system }); }
        });
        process.on('disconnect', () => void stop());
        process.send?.({ port: agent.grpcPort });
      }, (err: unknown) => { console.error(err); process.exit(1); });
  });
}

async function startBenchAgent(where: 'child' | 'inproc', iso: TestIsolation, env: Record<string, string>): Promise<BenchAgent> {
  if (where === 'inproc') {
    const agent = await startAgent(env, agentOptions(iso.workDir));
    return { port: agent.grpcPort, cpuUs: async () => undefined, stop: () => agent.stop('bench done') };
  }
  // BENCH_AGENT_PROF=<dir>: a V8 CPU profile of the agent child.
  const prof = process.env['BENCH_AGENT_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_AGENT_PROF']}`] : [];
  const { first, proc } = await forkChild<{ port: number }>('--agent-child', { env, workDir: iso.workDir }, prof);
  return { port: first.port, ...proc };
}

/** The isolation's runtime env (image imported/loaded, docker network made). */
async function prepare(iso: TestIsolation, runtime: 'containerd' | 'docker'): Promise<Record<string, string>> {
  const extra = { AGENT_SHUTDOWN_POLICY: 'destroy', AGENT_LOG_LEVEL: process.env['BENCH_AGENT_LOG_LEVEL'] ?? 'info' };
  if (runtime === 'containerd') {
    await iso.importImage();
    return agentEnv(iso, 'containerd', extra);
  }
  await iso.loadDockerImage();
  const net = await iso.createDockerNetwork();
  return agentEnv(iso, 'docker', { CONTAINERS_NETWORK: net.name, ...extra });
}

interface Worker { id: string; ip: string }

/**
 * Plain HTTP/1.1 invocations: an undici Client per worker to `origins[w]` (pipelining 1,
 * keep-alive), POSTing to `paths[w]`. Used for direct calls and for the null proxies.
 */
function httpCalls(label: string, origins: string[], paths: string[]): { call: Call; close: () => Promise<void> } {
  const clients = origins.map((o) => new Client(o, { pipelining: 1, keepAliveTimeout: 4000 }));
  const call: Call = async (w) => {
    const res = await clients[w]!.request({ path: paths[w]!, method: 'POST', body: PAYLOAD, headers: { 'content-type': 'application/json' } });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200 || body.length < PAYLOAD.length) throw new Error(`${label}: bad answer ${res.statusCode}`);
    return body.length;
  };
  return { call, close: async () => { await Promise.all(clients.map((c) => c.close())); } };
}

function invokeRequests(workers: Worker[]): H2InvokeRequest[] {
  return workers.map((w) => ({
    container_id: w.id, owner_id: OWNER, path: '', payload: PAYLOAD, headers: { 'content-type': 'application/json' }, timeout_ms: 30_000,
  }));
}

function h2Calls(client: H2InvokeClient, workers: Worker[]): Call {
  const calls = invokeRequests(workers).map((r) => client.prepare(r));
  return async (w) => {
    const out = await calls[w]!();
    if (out.status_code !== 200 || out.body.length < PAYLOAD.length) throw new Error(`grpc-h2: bad answer ${out.status_code}`);
    return out.body.length;
  };
}

function grpcCalls(client: ReturnType<typeof connectAgent>, workers: Worker[]): Call {
  const reqs = invokeRequests(workers);
  return async (w) => {
    const out = await client.ok<{ status_code: number; body: Buffer }>('InvokeWorker', reqs[w]!);
    if (out.status_code !== 200 || out.body.length < PAYLOAD.length) throw new Error(`grpc: bad answer ${out.status_code}`);
    return out.body.length;
  };
}

/** Throughput figures of one mode. */
export interface ModeThroughput {
  perSec: number; ratioToDirect: number; rounds: number[];
  /** CPU of the bench process (the load generator, i.e. the client) per completed call. */
  benchProcessCpuUsPerCall: number;
  /** CPU of the proxy's process (agent or null proxies) per call; undefined for direct or in-process. */
  proxyProcessCpuUsPerCall?: number | undefined;
  /** Share of all cores busy during the rounds (/proc/stat, pooled over rounds; other work on the machine included). */
  machineBusy?: number | undefined;
  /** Busy core time of the whole machine per call, pooled over rounds (workers, kernel, client and proxy). */
  machineCpuUsPerCall?: number | undefined;
}

/** One real-worker scenario's figures. */
export interface RealResult {
  runtime: string; agent: 'child' | 'inproc';
  latency: LatencyRow[];
  /** Per proxied mode: its p50 minus direct's, ms. */
  addedP50Ms: Record<string, { callers1: number; callers16: number }>;
  throughput: Record<string, ModeThroughput>;
  workerRejected: number;
}

/** Machine busy share and busy core µs per call over all rounds of a mode (pooled, not a median). */
function machineFigures(sum: { busy: number; total: number; calls: number } | undefined): Pick<ModeThroughput, 'machineBusy' | 'machineCpuUsPerCall'> {
  if (sum === undefined || sum.total === 0 || sum.calls === 0) return {};
  return { machineBusy: round3(sum.busy / sum.total), machineCpuUsPerCall: round3((sum.busy * 1e6) / USER_HZ / sum.calls) };
}

async function measure(calls: Record<Mode, Call>, procs: Record<ProxyProcess, BenchProcess>): Promise<Omit<RealResult, 'runtime' | 'agent' | 'workerRejected'>> {
  for (const m of MODES) { await latency(calls[m], 1, 200); await throughput(calls[m], WORKERS, PER_WORKER, 300); }
  const lat: Record<string, number[]> = {};
  const tput: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  const proxyCpu: Record<string, number[]> = {};
  /** Per mode, summed over the rounds: busy and total jiffies of the machine, calls. */
  const machine: Record<string, { busy: number; total: number; calls: number }> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const callers of [1, 16]) {
      for (const mode of rotate(MODES, r)) (lat[`${mode}:${callers}`] ??= []).push(...await latency(calls[mode], callers, LATENCY_N));
    }
    for (const mode of rotate(MODES, r)) {
      const proc = mode === 'direct' ? undefined : procs[PROXY_OF[mode]];
      const c0 = await proc?.cpuUs();
      const t = await throughput(calls[mode], WORKERS, PER_WORKER, THROUGHPUT_MS);
      const c1 = c0 === undefined ? undefined : await proc?.cpuUs();
      if (c0 !== undefined && c1 !== undefined) (proxyCpu[mode] ??= []).push((c1 - c0) / (t.perSec * THROUGHPUT_MS / 1000));
      (tput[mode] ??= []).push(t.perSec);
      (cpu[mode] ??= []).push(t.cpuUs);
      if (t.machine !== undefined) {
        const sum = (machine[mode] ??= { busy: 0, total: 0, calls: 0 });
        sum.busy += t.machine.busy;
        sum.total += t.machine.total;
        sum.calls += t.calls;
      }
    }
  }
  const rows = latencyRows(lat, MODES, [1, 16]);
  const med3 = (xs: number[] | undefined): number | undefined => (xs === undefined ? undefined : round3(median(xs)));
  const p50 = (c: number, m: string): number => rows.find((x) => x.callers === c && x.mode === m)!.p50Ms;
  const perSec = (m: string): number => Math.round(median(tput[m]!));
  return {
    latency: rows,
    addedP50Ms: Object.fromEntries(PROXIED.map((m) => [m, {
      callers1: round3(p50(1, m) - p50(1, 'direct')), callers16: round3(p50(16, m) - p50(16, 'direct')),
    }])),
    throughput: Object.fromEntries(MODES.map((m) => [m, {
      perSec: perSec(m), ratioToDirect: round3(perSec(m) / perSec('direct')), rounds: tput[m]!.map(Math.round),
      benchProcessCpuUsPerCall: round3(median(cpu[m]!)),
      proxyProcessCpuUsPerCall: med3(proxyCpu[m]),
      ...machineFigures(machine[m]),
    }])),
  };
}

/** 8 workers through the agent on `runtime`, measured, then everything removed. */
async function runReal(runtime: 'containerd' | 'docker', where: 'child' | 'inproc'): Promise<RealResult> {
  const iso = await createIsolation(`invb-${runtime === 'containerd' ? 'ctr' : 'dkr'}-${where}`);
  let agent: BenchAgent | undefined;
  let nullProxy: BenchProcess | undefined;
  let hopAgent: BenchProcess | undefined;
  let client: ReturnType<typeof connectAgent> | undefined;
  let h2: H2InvokeClient | undefined;
  let h2Hop: H2InvokeClient | undefined;
  const closers: Array<() => Promise<void>> = [];
  try {
    const env = await prepare(iso, runtime);
    agent = await startBenchAgent(where, iso, env);
    // The gRPC hop alone: the same agent build on the simulated runtime, its invoker an echo.
    const hop = await forkChild<{ port: number }>('--agent-child', {
      env: { ...env, AGENT_RUNTIME: 'simulated', AGENT_SIM_ENDPOINTS: '0', PORT: '0', AGENT_HTTP_PORT: '0' }, workDir: iso.workDir, echo: true,
    });
    hopAgent = hop.proc;
    client = connectAgent(`127.0.0.1:${agent.port}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': grpcMessageLimits().maxSendMessageLength,
    });
    const workers: Worker[] = [];
    for (let i = 0; i < WORKERS; i++) {
      const info = await client.ok('EnsureContainer', { function_name: `echo${i}`, image: WORKER_IMAGE_REF, owner_id: OWNER, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' } }, { deadline: Date.now() + 120_000 });
      workers.push({ id: info.id as string, ip: info.ip_address as string });
    }
    const origins = workers.map((w) => `http://${w.ip}:8080`);
    const started = await forkChild<{ ports: NullProxyPorts }>('--null-proxy-child', { origins });
    nullProxy = started.proc;
    const { ports } = started.first;
    h2 = await connectH2Invoke(`127.0.0.1:${agent.port}`);
    h2Hop = await connectH2Invoke(`127.0.0.1:${hop.first.port}`);
    const direct = httpCalls('direct', origins, workers.map(() => INVOKE_PATH));
    const nullHttp = httpCalls('null-proxy', workers.map(() => `http://127.0.0.1:${ports.http}`), workers.map((_, i) => `/${i}${INVOKE_PATH}`));
    const relay = httpCalls('tcp-relay', ports.tcp.map((p) => `http://127.0.0.1:${p}`), workers.map(() => INVOKE_PATH));
    closers.push(direct.close, nullHttp.close, relay.close);
    const calls: Record<Mode, Call> = {
      direct: direct.call, grpc: grpcCalls(client, workers), 'grpc-h2': h2Calls(h2, workers), 'null-proxy': nullHttp.call, 'tcp-relay': relay.call,
      'grpc-h2-hop': h2Calls(h2Hop, workers),
    };
    // Calls per mode, warm-up included (to read a CPU profile of the agent per call).
    const counts: Record<string, number> = {};
    for (const m of MODES) {
      const inner = calls[m];
      counts[m] = 0;
      calls[m] = (w) => { counts[m]!++; return inner(w); };
    }
    const out = await measure(calls, { agent, nullProxy, hopAgent });
    console.error(`calls per mode, warm-up included: ${JSON.stringify(counts)}`);
    let rejected = 0;
    for (const w of workers) rejected += ((await (await request(`http://${w.ip}:8080/__stats`)).body.json()) as { rejected: number }).rejected;
    return { runtime, agent: where, ...out, workerRejected: rejected };
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await h2?.close();
    await h2Hop?.close();
    client?.close();
    await nullProxy?.stop().catch((err: unknown) => console.error('null proxy stop failed', err));
    await hopAgent?.stop().catch((err: unknown) => console.error('echo agent stop failed', err));
    await agent?.stop().catch((err: unknown) => console.error('agent stop failed', err));
    const left = await iso.findLeftovers().catch(() => undefined);
    if (left !== undefined && JSON.stringify(left).match(/\w/)) console.error('leftovers before cleanup:', JSON.stringify(left));
    await iso.cleanup();
  }
}

async function main(): Promise<void> {
  const needs = RUNTIMES.includes('docker') ? ['containerd', 'cni', 'image', 'docker'] as const : ['containerd', 'cni', 'image'] as const;
  const rt = await requireRuntimes([...needs], 'bench/invoke.bench.ts');
  if (!rt.ok) throw new Error('the invoke bench needs the test bed (real runtimes and the echo image)');
  const real: RealResult[] = [];
  for (const runtime of RUNTIMES) for (const where of WHERE) real.push(await runReal(runtime, where));
  const sim: SimResult | undefined = process.env.BENCH_SIM === '0'
    ? undefined
    : await runSimulated({ rounds: ROUNDS, latencyN: 2000, throughputMs: THROUGHPUT_MS, perWorker: PER_WORKER });
  const result = {
    bench: 'invoke', at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map(round3),
    setup: {
      workers: `${WORKERS} echo workers (${WORKER_IMAGE_REF}, RIE-like, one invocation at a time) started through the agent (EnsureContainer), ${PAYLOAD.length}-byte JSON payload`,
      direct: 'undici Client per worker to <worker ip>:8080, pipelining 1, keep-alive',
      grpc: 'InvokeWorker over grpc-js (insecure, one channel) from the bench process to the agent',
      'grpc-h2': 'InvokeWorker over a lean node:http2 gRPC client (one session, request pre-encoded per worker, no deadline sent, like the grpc mode)',
      'null-proxy': 'a do-nothing HTTP/1.1 forwarder in a child process (node:http server, undici keep-alive client per worker): the cheapest L7 hop',
      'tcp-relay': 'a byte relay in the same child process (one port per worker, one upstream connection per client connection): the cheapest hop of any kind',
      'grpc-h2-hop': 'grpc-h2 to a second agent (simulated runtime, same log and metrics) whose invoker answers without HTTP: the gRPC hop alone; its CPU per call is the point, its rate is not a proxy\'s (no worker works)',
      agentLog: 'the agent logs at info (its default: one line per RPC), to /dev/null',
      agentChild: 'agent in a child process (its own event loop); its CPU is read over IPC around each throughput round',
      agentInproc: 'agent in the bench process: gRPC client, gRPC server, invoker and direct clients share one event loop',
      rounds: ROUNDS, latencyNPerRound: LATENCY_N, throughputMsPerRound: THROUGHPUT_MS, throughputCallers: `${WORKERS} workers × ${PER_WORKER} callers`,
    },
    real,
    simulated: sim,
    targets: {
      addedP50MaxMs: 0.5, throughputRatioMin: 0.7,
      real: real.flatMap((r) => (['grpc', 'grpc-h2'] as const).filter((m) => r.throughput[m] !== undefined).map((m) => ({
        runtime: r.runtime, agent: r.agent, mode: m,
        addedP50Ms: r.addedP50Ms[m]!.callers1, addedP50Met: r.addedP50Ms[m]!.callers1 <= 0.5,
        ratio: r.throughput[m]!.ratioToDirect, throughputMet: r.throughput[m]!.ratioToDirect >= 0.7,
      }))),
    },
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'invoke.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, 'invoke.md'), markdown(result));
  console.log(markdown(result));
}

if (process.argv.includes('--agent-child')) agentChild();
else if (process.argv.includes('--null-proxy-child')) nullProxyChild();
else if (!process.argv.some((a) => a.startsWith('--sim-'))) await main();
