/**
 * Inspection overhead benchmark: gRPC throughput and latency of the agent (in-process, simulated
 * runtime with zero latency, real gRPC server on loopback) in three modes, side by side in one
 * run with interleaved rounds (mode order rotated each round). One agent serves all modes (so no
 * instance is favoured by heap layout or JIT history); its inspection observer is switched:
 *   off        AGENT_INSPECT=0 (the metrics tracker still observes the actor system)
 *   on         AGENT_INSPECT=1, no viewer connected
 *   on+client  AGENT_INSPECT=1, a WebSocket viewer connected and reading every event
 * Workload: C concurrent loops of Ensure → Pause → Resume → Destroy (4 RPCs per lifecycle).
 *
 *   npx tsx bench/inspection.bench.ts [rounds=40] [roundMs=300] [concurrency=8]
 *
 * Besides wall-clock throughput and latency it records the process CPU time per RPC, which is far
 * less sensitive to other load on the machine (CI and other jobs share its 2 cores; wall-clock
 * throughput there swings by ±50 % between rounds). The 5 % limit is checked on CPU per RPC. As a
 * third view, the observer the `on` mode adds is timed alone over the recorded inspection events
 * of the run (ns per event × events per RPC).
 *
 * Writes bench/results/inspection.json and .md. Exits 1 if `on` costs ≥ 5 % throughput vs `off`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { InspectionEvent } from 'xstate';
import { startAgentHarness, type AgentHarness } from '../test/observability/helpers/agent-harness.js';

type Mode = 'off' | 'on' | 'on+client';
const MODES: Mode[] = ['off', 'on', 'on+client'];
const ROUNDS = Number(process.argv[2] ?? 40);
const ROUND_MS = Number(process.argv[3] ?? 300);
const CONCURRENCY = Number(process.argv[4] ?? 8);
const OWNER = 'bench-inspection';

interface RoundResult { rps: number; p50: number; p99: number; rpcs: number; cpuUsPerRpc: number }

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
const median = (xs: number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);

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

async function round(agent: AgentHarness, ms: number): Promise<RoundResult> {
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => lifecycleLoop(agent, start + ms, lat, `fn${i}`)));
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return { rps: lat.length / elapsed, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), rpcs: lat.length, cpuUsPerRpc: (cpu.user + cpu.system) / lat.length };
}

async function main(): Promise<void> {
  let mode: Mode = 'off';
  const events: Record<Mode, number> = { off: 0, on: 0, 'on+client': 0 };
  const recorded: InspectionEvent[] = [];
  // off: what AGENT_INSPECT=0 gives (the metrics tracker only); on: tracker + Stately relay.
  const agent = await startAgentHarness({
    http: false, inspect: true, runtime: { endpoints: false },
    inspectFor: (obs) => (ev) => {
      events[mode]++;
      if (mode === 'off') obs.tracker.inspect(ev);
      else {
        if (mode === 'on' && recorded.length < 50_000) recorded.push(ev);
        obs.inspect(ev);
      }
    },
  });
  const relay = agent.obs.stately!;
  let received = 0;
  const run = async (m: Mode, ms: number): Promise<RoundResult> => {
    mode = m;
    if (m !== 'on+client') return round(agent, ms);
    const viewer = new WebSocket(`ws://127.0.0.1:${relay.port}/`);
    viewer.on('message', (data) => { JSON.parse(data.toString()); received++; });
    while (relay.viewers < 1) await new Promise((r) => setTimeout(r, 5));
    const result = await round(agent, ms);
    viewer.close();
    while (relay.viewers > 0) await new Promise((r) => setTimeout(r, 5));
    return result;
  };

  for (const m of MODES) await run(m, 400); // warm-up
  for (const m of MODES) events[m] = 0;
  const results: Record<Mode, RoundResult[]> = { off: [], on: [], 'on+client': [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = MODES.map((_, i) => MODES[(i + r) % MODES.length] as Mode);
    for (const m of order) results[m].push(await run(m, ROUND_MS));
    process.stderr.write(`round ${r + 1}/${ROUNDS}: ${MODES.map((m) => `${m} ${results[m].at(-1)!.rps.toFixed(0)} rpc/s`).join(', ')}\n`);
  }
  const observerNsPerEvent = timeObserver(relay.inspect, recorded);
  await agent.close();

  const summary = Object.fromEntries(MODES.map((m) => [m, {
    medianRps: median(results[m].map((x) => x.rps)),
    medianP50Ms: median(results[m].map((x) => x.p50)),
    medianP99Ms: median(results[m].map((x) => x.p99)),
    medianCpuUsPerRpc: median(results[m].map((x) => x.cpuUsPerRpc)),
    rounds: results[m],
  }])) as Record<Mode, Summary & { rounds: RoundResult[] }>;
  // Paired per-round ratios are less sensitive to drift in machine load than ratios of medians.
  const paired = (m: Mode) => median(results[m].map((x, i) => 1 - x.rps / (results.off[i] as RoundResult).rps)) * 100;
  const pairedCpu = (m: Mode) => median(results[m].map((x, i) => x.cpuUsPerRpc / (results.off[i] as RoundResult).cpuUsPerRpc - 1)) * 100;
  const onRpcs = results.on.reduce((n, x) => n + x.rpcs, 0);
  const eventsPerRpc = events.on / onRpcs;
  const observerUsPerRpc = (observerNsPerEvent * eventsPerRpc) / 1000;
  const out = {
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(),
    config: { rounds: ROUNDS, roundMs: ROUND_MS, concurrency: CONCURRENCY, workload: 'Ensure→Pause→Resume→Destroy loops, simulated runtime, zero latency, loopback gRPC' },
    summary,
    overheadPct: { on: paired('on'), 'on+client': paired('on+client') },
    cpuOverheadPct: { on: pairedCpu('on'), 'on+client': pairedCpu('on+client') },
    observer: {
      nsPerEvent: observerNsPerEvent, eventsPerRpc, usPerRpc: observerUsPerRpc,
      pctOfCpuPerRpc: (observerUsPerRpc / summary.off.medianCpuUsPerRpc) * 100,
    },
    viewerMessages: received,
    limitPct: 5,
    pass: pairedCpu('on') < 5,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/inspection.json', `${JSON.stringify(out, null, 2)}\n`);
  writeFileSync('bench/results/inspection.md', markdown(out));
  process.stdout.write(markdown(out));
  process.exitCode = out.pass ? 0 : 1;
}

interface Summary { medianRps: number; medianP50Ms: number; medianP99Ms: number; medianCpuUsPerRpc: number }
interface Report {
  date: string; node: string; cpus: number; loadavg: number[];
  config: { rounds: number; roundMs: number; concurrency: number };
  summary: Record<Mode, Summary>;
  overheadPct: Record<'on' | 'on+client', number>;
  cpuOverheadPct: Record<'on' | 'on+client', number>;
  observer: { nsPerEvent: number; eventsPerRpc: number; usPerRpc: number; pctOfCpuPerRpc: number };
  viewerMessages: number; pass: boolean;
}

/** Times the `on`-mode observer alone (no viewer) over recorded events: ns per event. */
function timeObserver(inspect: (ev: InspectionEvent) => void, recorded: InspectionEvent[]): number {
  if (recorded.length === 0) return NaN;
  for (const ev of recorded) inspect(ev); // warm-up
  const passes = 20;
  const t = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) for (const ev of recorded) inspect(ev);
  return Number(process.hrtime.bigint() - t) / (passes * recorded.length);
}

function markdown(o: Report): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
  const row = (m: Mode) => {
    const s = o.summary[m];
    const cost = m === 'off' ? '—' : pct(o.overheadPct[m]);
    const cpu = m === 'off' ? '—' : pct(o.cpuOverheadPct[m]);
    return `| ${m} | ${s.medianRps.toFixed(0)} | ${s.medianP50Ms.toFixed(2)} | ${s.medianP99Ms.toFixed(2)} | ${s.medianCpuUsPerRpc.toFixed(0)} | ${cost} | ${cpu} |`;
  };
  return `# Inspection overhead (bench/inspection.bench.ts)

${o.date}, Node ${o.node}, ${o.cpus} CPUs. ${o.config.rounds} interleaved rounds of ${o.config.roundMs} ms per mode,
${o.config.concurrency} concurrent Ensure→Pause→Resume→Destroy loops over loopback gRPC, simulated runtime (zero latency).
Load average at the end: ${o.loadavg.map((x) => x.toFixed(1)).join(' / ')}. Medians over rounds; costs are medians of
per-round changes against \`off\` in the same round (throughput loss; CPU time per RPC increase).

| mode | RPC/s | p50 ms | p99 ms | CPU µs/RPC | throughput cost | CPU cost |
|---|---:|---:|---:|---:|---:|---:|
${MODES.map(row).join('\n')}

The observer that \`on\` adds, timed alone over the run's recorded inspection events:
${o.observer.nsPerEvent.toFixed(0)} ns per event × ${o.observer.eventsPerRpc.toFixed(1)} events per RPC = ${o.observer.usPerRpc.toFixed(2)} µs per RPC
(${o.observer.pctOfCpuPerRpc.toFixed(2)} % of the CPU time of an RPC with inspection off).

The viewer received ${o.viewerMessages} inspection messages. Wall-clock throughput on this shared machine swings by
tens of percent between rounds, so the limit is checked on CPU time per RPC: \`on\` without a viewer must cost
< 5 % → **${o.pass ? 'pass' : 'FAIL'}** (${o.cpuOverheadPct.on.toFixed(1)} %).
`;
}

await main();
