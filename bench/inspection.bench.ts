/**
 * Inspection overhead benchmark: gRPC throughput and latency of the agent (in-process, simulated
 * runtime with zero latency, real gRPC server on loopback) in these modes, in one run:
 *   off        AGENT_INSPECT=0 (the metrics tracker still observes the actor system)
 *   control    the same as off, measured as if it were another mode: its difference from `off`
 *              is this run's noise floor (an A/A comparison)
 *   on         AGENT_INSPECT=1, no viewer connected
 *   on+client  AGENT_INSPECT=1, a WebSocket viewer connected and parsing every event
 * Workload: C concurrent loops of Ensure → Pause → Resume → Destroy (4 RPCs per lifecycle).
 *
 * The machine is shared (2 cores, other jobs): its load drifts over seconds, so the modes run in
 * many short interleaved slices (order rotated each round) and each mode's figures are pooled
 * over all its slices; drift then hits every mode alike. `off` and `on` are the same agent with
 * its observer switched (no instance is favoured by heap layout or JIT history); `on+client` is a
 * second agent whose viewer stays connected. Also recorded: process CPU time per RPC, and the
 * observer that `on` adds, timed alone over the run's recorded inspection events.
 *
 * On a busy shared machine the end-to-end differences between identical modes reach several
 * percent (see `control`), so the 5 % limit is checked on the observer's own cost per RPC (its
 * CPU time per RPC against the CPU time of an RPC with inspection off), which does not depend on
 * other load; the end-to-end figures are reported beside the noise floor.
 *
 *   npx tsx bench/inspection.bench.ts [rounds=200] [sliceMs=100] [concurrency=8]
 *
 * Writes bench/results/inspection.json and .md. Exits 1 when the observer costs ≥ 5 %.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { InspectionEvent } from 'xstate';
import { startAgentHarness, type AgentHarness } from '../test/observability/helpers/agent-harness.js';

type Mode = 'off' | 'control' | 'on' | 'on+client';
const MODES: Mode[] = ['off', 'control', 'on', 'on+client'];
const ROUNDS = Number(process.argv[2] ?? 200);
const SLICE_MS = Number(process.argv[3] ?? 100);
const CONCURRENCY = Number(process.argv[4] ?? 8);
const OWNER = 'bench-inspection';

interface Pool { rpcs: number; seconds: number; cpuUs: number; latencies: number[] }
interface ModeResult { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRpc: number; rpcs: number }

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function lifecycleLoop(agent: AgentHarness, until: number, lat: number[], fn: string): Promise<void> {
  const c = agent.grpc.client;
  const timed = async (method: Parameters<typeof c.ok>[0], req: Record<string, unknown>) => {
    const t = performance.now();
    const reply = await c.ok(method, req);
    lat.push(performance.now() - t);
    return reply;
  };
  while (performance.now() < until) {
    const w = await timed('EnsureContainer', { function_name: fn, image: 'bench/echo:latest', env: {}, owner_id: OWNER });
    await timed('PauseContainer', { container_id: w.id, owner_id: OWNER });
    await timed('ResumeContainer', { container_id: w.id, owner_id: OWNER });
    await timed('DestroyContainer', { container_id: w.id, owner_id: OWNER });
  }
}

/** One slice: C loops until `ms` have passed (each finishes its lifecycle); adds to `pool`. */
async function slice(agent: AgentHarness, ms: number, pool: Pool): Promise<void> {
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => lifecycleLoop(agent, start + ms, lat, `fn${i}`)));
  const cpu = process.cpuUsage(cpu0);
  pool.seconds += (performance.now() - start) / 1000;
  pool.cpuUs += cpu.user + cpu.system;
  pool.rpcs += lat.length;
  for (const l of lat) pool.latencies.push(l);
}

function summarise(p: Pool): ModeResult {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  return { rps: p.rpcs / p.seconds, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), cpuUsPerRpc: p.cpuUs / p.rpcs, rpcs: p.rpcs };
}

/**
 * CPU time of the `on`-mode observer alone (no viewer) over recorded events: ns per event.
 * Process CPU time, not wall time, so being descheduled on a busy machine does not count.
 */
function timeObserver(inspect: (ev: InspectionEvent) => void, recorded: InspectionEvent[]): number {
  if (recorded.length === 0) return NaN;
  for (const ev of recorded) inspect(ev); // warm-up
  const passes = 20;
  const cpu0 = process.cpuUsage();
  for (let p = 0; p < passes; p++) for (const ev of recorded) inspect(ev);
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) * 1000) / (passes * recorded.length);
}

async function main(): Promise<void> {
  let mode: Mode = 'off';
  let onEvents = 0;
  const recorded: InspectionEvent[] = [];
  // off: what AGENT_INSPECT=0 gives (the metrics tracker only); on: tracker + Stately relay.
  const switched = await startAgentHarness({
    http: false, inspect: true, runtime: { endpoints: false },
    inspectFor: (obs) => (ev) => {
      if (mode === 'off' || mode === 'control') return obs.tracker.inspect(ev);
      onEvents++;
      if (recorded.length < 50_000) recorded.push(ev);
      obs.inspect(ev);
    },
  });
  const watched = await startAgentHarness({ http: false, inspect: true, runtime: { endpoints: false } });
  let received = 0;
  const viewer = new WebSocket(`ws://127.0.0.1:${watched.obs.stately!.port}/`);
  viewer.on('message', (data) => { JSON.parse(data.toString()); received++; });
  while (watched.obs.stately!.viewers < 1) await new Promise((r) => setTimeout(r, 5));
  const agentOf = (m: Mode): AgentHarness => (m === 'on+client' ? watched : switched);

  const scratch: Pool = { rpcs: 0, seconds: 0, cpuUs: 0, latencies: [] };
  for (const m of MODES) { mode = m; await slice(agentOf(m), 500, scratch); } // warm-up
  onEvents = 0;
  const pools = Object.fromEntries(MODES.map((m): [Mode, Pool] => [m, { rpcs: 0, seconds: 0, cpuUs: 0, latencies: [] }])) as Record<Mode, Pool>;
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < MODES.length; i++) {
      mode = MODES[(i + r) % MODES.length] as Mode;
      await slice(agentOf(mode), SLICE_MS, pools[mode]);
    }
    if ((r + 1) % 50 === 0) process.stderr.write(`round ${r + 1}/${ROUNDS}\n`);
  }
  const observerNsPerEvent = timeObserver(switched.obs.stately!.inspect, recorded);
  viewer.close();
  await switched.close();
  await watched.close();

  const summary = Object.fromEntries(MODES.map((m) => [m, summarise(pools[m])])) as Record<Mode, ModeResult>;
  const cost = (m: Mode) => (1 - summary[m].rps / summary.off.rps) * 100;
  const cpuCost = (m: Mode) => (summary[m].cpuUsPerRpc / summary.off.cpuUsPerRpc - 1) * 100;
  const eventsPerRpc = onEvents / summary.on.rpcs;
  const observerUsPerRpc = (observerNsPerEvent * eventsPerRpc) / 1000;
  const observerPct = (observerUsPerRpc / summary.off.cpuUsPerRpc) * 100;
  const others = MODES.filter((m): m is Exclude<Mode, 'off'> => m !== 'off');
  const out: Report = {
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(),
    config: { rounds: ROUNDS, sliceMs: SLICE_MS, concurrency: CONCURRENCY },
    summary,
    throughputCostPct: Object.fromEntries(others.map((m) => [m, cost(m)])) as Report['throughputCostPct'],
    cpuCostPct: Object.fromEntries(others.map((m) => [m, cpuCost(m)])) as Report['cpuCostPct'],
    observer: { nsPerEvent: observerNsPerEvent, eventsPerRpc, usPerRpc: observerUsPerRpc, pctOfCpuPerRpc: observerPct },
    viewerMessages: received,
    limitPct: 5,
    pass: observerPct < 5,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/inspection.json', `${JSON.stringify(out, null, 2)}\n`);
  writeFileSync('bench/results/inspection.md', markdown(out));
  process.stdout.write(markdown(out));
  process.exitCode = out.pass ? 0 : 1;
}

interface Report {
  date: string; node: string; cpus: number; loadavg: number[];
  config: { rounds: number; sliceMs: number; concurrency: number };
  summary: Record<Mode, ModeResult>;
  throughputCostPct: Record<Exclude<Mode, 'off'>, number>;
  cpuCostPct: Record<Exclude<Mode, 'off'>, number>;
  observer: { nsPerEvent: number; eventsPerRpc: number; usPerRpc: number; pctOfCpuPerRpc: number };
  viewerMessages: number; limitPct: number; pass: boolean;
}

function markdown(o: Report): string {
  const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} %`;
  const row = (m: Mode) => {
    const s = o.summary[m];
    const thr = m === 'off' ? '—' : pct(o.throughputCostPct[m]);
    const cpu = m === 'off' ? '—' : pct(o.cpuCostPct[m]);
    return `| ${m} | ${s.rps.toFixed(0)} | ${s.p50Ms.toFixed(2)} | ${s.p99Ms.toFixed(2)} | ${s.cpuUsPerRpc.toFixed(0)} | ${thr} | ${cpu} |`;
  };
  return `# Inspection overhead (bench/inspection.bench.ts)

${o.date}, Node ${o.node}, ${o.cpus} CPUs, load average at the end ${o.loadavg.map((x) => x.toFixed(1)).join(' / ')}.
${o.config.rounds} rounds of interleaved ${o.config.sliceMs} ms slices per mode (order rotated each round),
${o.config.concurrency} concurrent Ensure→Pause→Resume→Destroy loops over loopback gRPC, simulated runtime (zero latency).
Figures pooled over each mode's slices; costs against \`off\` (throughput loss; CPU time per RPC increase).

| mode | RPC/s | p50 ms | p99 ms | CPU µs/RPC | throughput cost | CPU cost |
|---|---:|---:|---:|---:|---:|---:|
${MODES.map(row).join('\n')}

\`control\` runs exactly what \`off\` runs: its row is this run's noise floor. End-to-end differences
smaller than it are not measurable here.

The observer that \`on\` adds, timed alone over the run's recorded inspection events:
${o.observer.nsPerEvent.toFixed(0)} ns per event × ${o.observer.eventsPerRpc.toFixed(1)} events per RPC = ${o.observer.usPerRpc.toFixed(2)} µs per RPC
= **${o.observer.pctOfCpuPerRpc.toFixed(2)} %** of the CPU time of an RPC with inspection off.
The viewer received ${o.viewerMessages} inspection messages.

Limit: inspection on without a viewer must add < ${o.limitPct} % → **${o.pass ? 'pass' : 'FAIL'}** (observer cost per RPC).
`;
}

await main();
