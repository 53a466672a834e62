/**
 * Cold start on containerd, create → first successful invoke, side by side in one run:
 *   adapter/task/afterStart   the adapter called directly: ensureImage, create (container + task,
 *                             runc makes the netns), Tasks.Start, then CNI on /proc/<pid>/ns/net
 *                             while the worker boots (the adapter's default order)
 *   adapter/task/beforeStart  the same, CNI before Tasks.Start (the earlier order)
 *   adapter/precreated        `ip netns add` at create, CNI, then task create+start (beforeStart)
 *   ctr+cni                   `ctr run -d` then loopback + bridge + portmap plugins run by hand (runtime notes §3)
 *   agent/afterStart          the whole agent (startAgent with an afterStart adapter injected):
 *                             EnsureContainer over gRPC (readiness wait on) → first invoke at the
 *                             returned IP; DestroyContainer untimed. Steps are timestamped through
 *                             the runtime the agent calls (gaps = gRPC, supervisor, actors, limiter)
 *   agent/beforeStart         the same with a beforeStart adapter
 * Variants run round-robin in a shuffled order per round so machine drift hits all alike. Each run is
 * torn down untimed.
 *
 *   npx tsx bench/containerd-cold-start.bench.ts [runs=20]
 * Results: bench/results/containerd-cold-start.json
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerdRuntime } from '../src/runtime/containerd/containerd-runtime.js';
import { inProcessAgentEnv, makeRuntime, workerSpec } from '../test/runtime/containerd/support.js';
import { cniAdd, cniDel, cniLoopback, createIsolation, ctr, lines, type TestIsolation } from '../test/helpers/index.js';
import { startAgent, type RunningAgent } from '../src/main.js';
import { connectAgent, type AgentTestClient } from '../test/server/helpers/agent-client.js';
import { firstInvoke, pct, shuffled } from './cold-start-shared.js';

interface Sample {
  totalMs: number;
  steps: Record<string, number>;
}

interface Variant {
  name: string;
  measure(i: number): Promise<Sample>;
}

const RUNS = Number(process.argv[2] ?? 20);

function adapterVariant(name: string, iso: TestIsolation, runtime: ContainerdRuntime, image: string): Variant {
  return {
    name,
    async measure(i) {
      const spec = workerSpec(iso, image, `b${i}`);
      const t0 = performance.now();
      await runtime.ensureImage(image, {});
      const t1 = performance.now();
      await runtime.create(spec, {});
      const t2 = performance.now();
      let ipAddress: string;
      let t3: number;
      const steps: Record<string, number> = { image: t1 - t0, create: t2 - t1 };
      if (runtime.info.networkPhase === 'afterStart') {
        await runtime.start(spec.name, {});
        t3 = performance.now();
        ({ ipAddress } = await runtime.setupNetwork(spec.name, {}));
        Object.assign(steps, { start: t3 - t2, network: performance.now() - t3 });
      } else {
        ({ ipAddress } = await runtime.setupNetwork(spec.name, {}));
        t3 = performance.now();
        await runtime.start(spec.name, {});
        Object.assign(steps, { network: t3 - t2, start: performance.now() - t3 });
      }
      const t4 = performance.now();
      await firstInvoke(ipAddress, 2000);
      const t5 = performance.now();
      await runtime.stop(spec.name, { graceMs: 2000 });
      await runtime.remove(spec.name, {});
      return { totalMs: t5 - t0, steps: { ...steps, firstInvoke: t5 - t4 } };
    },
  };
}

/** Start/end times of the runtime calls the agent makes, in call order (one Ensure at a time). */
type Trace = Array<{ op: string; start: number; end: number }>;

/** Wraps the cold-start methods of `runtime` in place so each call is timestamped into `trace`. */
function traceRuntime(runtime: ContainerdRuntime, trace: Trace): void {
  for (const op of ['ensureImage', 'create', 'setupNetwork', 'start'] as const) {
    const orig = (runtime[op] as (...a: unknown[]) => Promise<unknown>).bind(runtime);
    (runtime as unknown as Record<string, unknown>)[op] = async (...args: unknown[]) => {
      const entry = { op, start: performance.now(), end: 0 };
      try {
        return await orig(...args);
      } finally {
        entry.end = performance.now();
        trace.push(entry);
      }
    };
  }
}

/** Step durations from a trace: each runtime call, and the agent's own time before, between and after them. */
function traceSteps(trace: Trace, t0: number, t1: number): Record<string, number> {
  const steps: Record<string, number> = {};
  let last = t0;
  let gaps = 0;
  for (const [k, e] of trace.entries()) {
    const gap = e.start - last;
    gaps += gap;
    steps[k === 0 ? 'rpcIn' : `gap${k}`] = gap;
    steps[e.op] = e.end - e.start;
    last = e.end;
  }
  steps['readyAndReply'] = t1 - last;
  steps['agentGaps'] = gaps;
  return steps;
}

function agentVariant(name: string, agent: RunningAgent, client: AgentTestClient, trace: Trace, image: string): Variant {
  return {
    name,
    async measure(i) {
      trace.length = 0;
      const t0 = performance.now();
      const info = (await client.ok('EnsureContainer', { function_name: `g${i + 1}`, image, owner_id: 'bench', env: {} })) as { id: string; ip_address: string };
      const t1 = performance.now();
      await firstInvoke(info.ip_address, 2000);
      const t2 = performance.now();
      const steps = traceSteps(trace, t0, t1);
      await client.ok('DestroyContainer', { container_id: info.id, owner_id: 'bench' });
      await waitGone(agent, info.id);
      return { totalMs: t2 - t0, steps: { ensure: t1 - t0, ...steps, firstInvoke: t2 - t1 } };
    },
  };
}

/** Until the worker is gone from the runtime and the supervisor has finished it (its release done). */
async function waitGone(agent: RunningAgent, name: string): Promise<void> {
  for (let k = 0; k < 500; k++) {
    if (agent.supervisor.size === 0 && !(await agent.runtime.list({})).some((c) => c.name === name)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} was not destroyed`);
}

async function startBenchAgent(iso: TestIsolation, runtime: ContainerdRuntime, readinessWait: boolean): Promise<RunningAgent> {
  return startAgent(inProcessAgentEnv(iso, { AGENT_READINESS_WAIT: readinessWait ? '1' : '0' }), { runtime });
}

function ctrVariant(iso: TestIsolation, image: string): Variant {
  const conflist = iso.conflist();
  return {
    name: 'ctr+cni',
    async measure(i) {
      const id = iso.containerId(`c${i}`);
      const t0 = performance.now();
      await ctr(iso.namespace, ['run', '-d', image, id]);
      const t1 = performance.now();
      const row = lines(await ctr(iso.namespace, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id);
      const att = { containerId: id, netns: `/proc/${row?.[1]}/ns/net` };
      await cniLoopback(att);
      const { ip } = await cniAdd(conflist, att);
      const t2 = performance.now();
      await firstInvoke(ip, 2000);
      const t3 = performance.now();
      await cniDel(conflist, att);
      await ctr(iso.namespace, ['tasks', 'kill', '-s', 'SIGKILL', id]);
      for (let k = 0; k < 200; k++) {
        const st = lines(await ctr(iso.namespace, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id)?.[2];
        if (st === 'STOPPED' || st === undefined) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await ctr(iso.namespace, ['tasks', 'rm', id]);
      await ctr(iso.namespace, ['containers', 'rm', id]);
      return { totalMs: t3 - t0, steps: { ctrRun: t1 - t0, network: t2 - t1, firstInvoke: t3 - t2 } };
    },
  };
}

function summarize(samples: Sample[]) {
  const totals = samples.map((s) => s.totalMs).sort((a, b) => a - b);
  const stepNames = [...new Set(samples.flatMap((s) => Object.keys(s.steps)))];
  return {
    runs: samples.length,
    p50Ms: pct(totals, 50),
    p95Ms: pct(totals, 95),
    minMs: pct(totals, 0),
    maxMs: pct(totals, 100),
    stepsP50Ms: Object.fromEntries(stepNames.map((n) => [n, pct(samples.map((s) => s.steps[n] ?? 0).sort((a, b) => a - b), 50)])),
    samplesMs: samples.map((s) => Math.round(s.totalMs * 10) / 10),
    stepSamplesMs: samples.map((s) => Object.fromEntries(Object.entries(s.steps).map(([k, v]) => [k, Math.round(v * 10) / 10]))),
  };
}

const AGENT_AFTER = 'agent/afterStart';
const AGENT_BEFORE = 'agent/beforeStart';
const ADAPTER_AFTER = 'adapter/task/afterStart';
const ADAPTER_BEFORE = 'adapter/task/beforeStart';
const PRECREATED = 'adapter/precreated';

function ratios(results: Record<string, ReturnType<typeof summarize>>): Record<string, number> {
  const r = (a: string, b: string, p: 'p50Ms' | 'p95Ms') => Math.round((results[a]![p] / results[b]![p]) * 1000) / 1000;
  const out: Record<string, number> = {};
  const pairs: Array<[string, string]> = [
    [AGENT_AFTER, ADAPTER_AFTER], [AGENT_BEFORE, ADAPTER_BEFORE], [AGENT_AFTER, 'ctr+cni'], [ADAPTER_AFTER, 'ctr+cni'],
    [ADAPTER_AFTER, ADAPTER_BEFORE], [AGENT_AFTER, AGENT_BEFORE], [PRECREATED, ADAPTER_BEFORE],
  ];
  for (const [a, b] of pairs) {
    out[`${a} ÷ ${b} (p50)`] = r(a, b, 'p50Ms');
    out[`${a} ÷ ${b} (p95)`] = r(a, b, 'p95Ms');
  }
  return out;
}

/**
 * Median over rounds of (a's run ÷ b's run in the same round): robust to load that changes from
 * one round to the next, which moves both runs of a round alike.
 */
function pairedRatios(samples: Map<string, Sample[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [a, b] of [[AGENT_AFTER, ADAPTER_AFTER], [AGENT_BEFORE, ADAPTER_BEFORE], [AGENT_AFTER, 'ctr+cni'], [ADAPTER_AFTER, ADAPTER_BEFORE], [AGENT_AFTER, AGENT_BEFORE]] as const) {
    const xs = samples.get(a)!.map((s, i) => s.totalMs / samples.get(b)![i]!.totalMs).sort((x, y) => x - y);
    out[`${a} ÷ ${b} (median of per-round ratios)`] = Math.round(xs[Math.ceil(xs.length / 2) - 1]! * 1000) / 1000;
  }
  return out;
}

function markdown(out: { date: string; machine: object; runsPerVariant: number; results: Record<string, ReturnType<typeof summarize>>; ratios: Record<string, number>; pairedMedianRatios: Record<string, number> }): string {
  const rows = Object.entries(out.results).map(([v, s]) =>
    `| ${v} | ${s.p50Ms} | ${s.p95Ms} | ${s.minMs} | ${s.maxMs} | ${Object.entries(s.stepsP50Ms).map(([k, ms]) => `${k} ${ms}`).join(', ')} |`);
  return [
    `# containerd cold start: create → first successful invoke (${out.runsPerVariant} runs per variant)`, '',
    `${out.date}; ${JSON.stringify(out.machine)}`, '',
    'Round-robin in a shuffled order per round, one warm-up each, teardown untimed. adapter = ensureImage + create + start/network',
    'in the named order called directly; agent = EnsureContainer over gRPC (readiness wait on) then POST to the returned IP.',
    'Agent steps: rpcIn = client send → ensureImage called; gapN = agent time between runtime calls; readyAndReply = last',
    'runtime call → Ensure reply (readiness poll + supervisor + gRPC out); agentGaps = rpcIn + gaps. Step p50s are per step.', '',
    '| variant | p50 ms | p95 ms | min | max | step p50s (ms) |', '|---|---|---|---|---|---|', ...rows, '',
    ...Object.entries(out.ratios).map(([k, v]) => `- ${k}: ${v}`), '',
    ...Object.entries(out.pairedMedianRatios).map(([k, v]) => `- ${k}: ${v}`), '',
  ].join('\n');
}

async function main(): Promise<void> {
  const iso = await createIsolation('bench-cold');
  const runtimes: ContainerdRuntime[] = [];
  const agents: Array<{ agent: RunningAgent; client: AgentTestClient }> = [];
  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  try {
    const image = await iso.importImage();
    const after = await makeRuntime(iso, { netnsMode: 'task', networkPhase: 'afterStart' });
    const before = await makeRuntime(iso, { netnsMode: 'task', networkPhase: 'beforeStart' });
    const pre = await makeRuntime(iso, { netnsMode: 'precreated', networkPhase: 'beforeStart' });
    runtimes.push(after, before, pre);
    const agentVariants: Variant[] = [];
    for (const [name, phase] of [[AGENT_AFTER, 'afterStart'], [AGENT_BEFORE, 'beforeStart']] as const) {
      const rt = await makeRuntime(iso, { netnsMode: 'task', networkPhase: phase });
      runtimes.push(rt);
      const trace: Trace = [];
      traceRuntime(rt, trace);
      const agent = await startBenchAgent(iso, rt, true);
      const client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
      agents.push({ agent, client });
      agentVariants.push(agentVariant(name, agent, client, trace, image));
    }
    const variants = [
      ...agentVariants,
      adapterVariant(ADAPTER_AFTER, iso, after, image),
      adapterVariant(ADAPTER_BEFORE, iso, before, image),
      adapterVariant(PRECREATED, iso, pre, image),
      ctrVariant(iso, image),
    ];
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
    for (const v of variants) await v.measure(-1); // warm-up: image pages, plugin binaries, shim
    for (let i = 0; i < RUNS; i++) {
      const order = shuffled(variants.length, i);
      for (let k = 0; k < variants.length; k++) {
        const v = variants[order[k]!]!;
        samples.get(v.name)!.push(await v.measure(i));
      }
      process.stderr.write(`run ${i + 1}/${RUNS}\r`);
    }
    const results = Object.fromEntries([...samples].map(([n, s]) => [n, summarize(s)]));
    const out = {
      bench: 'containerd cold start: create → first successful invoke',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, kernel: os.release(), loadavgBefore: loadBefore, loadavgAfter: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      runsPerVariant: RUNS,
      results,
      ratios: ratios(results),
      pairedMedianRatios: pairedRatios(samples),
    };
    const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'containerd-cold-start.json'), `${JSON.stringify(out, null, 2)}\n`);
    await writeFile(join(dir, 'containerd-cold-start.md'), markdown(out));
    console.log(markdown(out));
  } finally {
    for (const { client, agent } of agents) {
      client.close();
      await agent.stop('bench done');
    }
    for (const r of runtimes) await r.close();
    await iso.cleanup();
  }
}

await main();
