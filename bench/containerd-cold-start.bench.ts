/**
 * Cold start on containerd, create → first successful invoke, side by side in one run:
 *   adapter/task        the adapter called directly, netns created by runc (CNI on /proc/<pid>/ns/net)
 *   adapter/precreated  the adapter called directly, `ip netns add` first, CNI, then task create+start
 *   ctr+cni             `ctr run -d` then loopback + bridge + portmap plugins run by hand (runtime notes §3)
 *   agent/grpc          the whole agent (startAgent with this adapter injected): EnsureContainer over
 *                       gRPC (readiness wait on) → first invoke at the returned IP; DestroyContainer untimed
 * Variants run round-robin so machine drift hits all alike. Each run is torn down untimed.
 *
 *   npx tsx bench/containerd-cold-start.bench.ts [runs=20]
 * Results: bench/results/containerd-cold-start.json
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerdRuntime } from '../src/runtime/containerd/containerd-runtime.js';
import { makeRuntime, workerSpec, INVOKE_PATH } from '../test/runtime/containerd/support.js';
import { cniAdd, cniDel, cniLoopback, createIsolation, ctr, lines, type TestIsolation } from '../test/helpers/index.js';
import { startAgent, type RunningAgent } from '../src/main.js';
import { connectAgent, type AgentTestClient } from '../test/server/helpers/agent-client.js';

interface Sample {
  totalMs: number;
  steps: Record<string, number>;
}

interface Variant {
  name: string;
  measure(i: number): Promise<Sample>;
}

const RUNS = Number(process.argv[2] ?? 20);

async function firstInvoke(ip: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://${ip}:8080${INVOKE_PATH}`, { method: 'POST', body: '{"bench":1}', signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        await res.arrayBuffer();
        return;
      }
    } catch {
      // not up yet
    }
    if (performance.now() > deadline) throw new Error(`worker ${ip} never answered`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function adapterVariant(name: string, iso: TestIsolation, runtime: ContainerdRuntime, image: string): Variant {
  return {
    name,
    async measure(i) {
      const spec = workerSpec(iso, image, `b${i}`);
      const t0 = performance.now();
      await runtime.create(spec, {});
      const t1 = performance.now();
      const { ipAddress } = await runtime.setupNetwork(spec.name, {});
      const t2 = performance.now();
      await runtime.start(spec.name, {});
      const t3 = performance.now();
      await firstInvoke(ipAddress);
      const t4 = performance.now();
      await runtime.stop(spec.name, { graceMs: 2000 });
      await runtime.remove(spec.name, {});
      return { totalMs: t4 - t0, steps: { create: t1 - t0, network: t2 - t1, start: t3 - t2, firstInvoke: t4 - t3 } };
    },
  };
}

function agentVariant(agent: RunningAgent, client: AgentTestClient, iso: TestIsolation, image: string): Variant {
  return {
    name: 'agent/grpc',
    async measure(i) {
      const t0 = performance.now();
      const info = (await client.ok('EnsureContainer', { function_name: `g${i + 1}`, image, owner_id: 'bench', env: {} })) as { id: string; ip_address: string };
      const t1 = performance.now();
      await firstInvoke(info.ip_address);
      const t2 = performance.now();
      await client.ok('DestroyContainer', { container_id: info.id, owner_id: 'bench' });
      await waitGone(agent, info.id);
      return { totalMs: t2 - t0, steps: { ensure: t1 - t0, firstInvoke: t2 - t1 } };
    },
  };
}

async function waitGone(agent: RunningAgent, name: string): Promise<void> {
  for (let k = 0; k < 500; k++) {
    if (!(await agent.runtime.list({})).some((c) => c.name === name)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} was not destroyed`);
}

async function startBenchAgent(iso: TestIsolation, runtime: ContainerdRuntime): Promise<RunningAgent> {
  return startAgent(
    {
      ENV: iso.env,
      CONTAINERS_NETWORK: iso.cniNetwork,
      ESB_BRAND_SLUG: iso.brand,
      AGENT_RUNTIME: 'containerd',
      AGENT_GRPC_HOST: '127.0.0.1',
      PORT: '0',
      AGENT_HTTP_PORT: '0',
      AGENT_GRPC_TLS_DISABLED: '1',
      AGENT_LOG_LEVEL: 'silent',
      AGENT_SHUTDOWN_POLICY: 'destroy',
      AGENT_RECONCILE_INTERVAL_MS: '0',
    },
    { runtime },
  );
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
      await firstInvoke(ip);
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

function pct(sorted: number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[idx]! * 10) / 10;
}

function summarize(samples: Sample[]) {
  const totals = samples.map((s) => s.totalMs).sort((a, b) => a - b);
  const stepNames = Object.keys(samples[0]?.steps ?? {});
  return {
    runs: samples.length,
    p50Ms: pct(totals, 50),
    p95Ms: pct(totals, 95),
    minMs: pct(totals, 0),
    maxMs: pct(totals, 100),
    stepsP50Ms: Object.fromEntries(stepNames.map((n) => [n, pct(samples.map((s) => s.steps[n]!).sort((a, b) => a - b), 50)])),
    samplesMs: samples.map((s) => Math.round(s.totalMs * 10) / 10),
  };
}

async function main(): Promise<void> {
  const iso = await createIsolation('bench-cold');
  const runtimes: ContainerdRuntime[] = [];
  let agent: RunningAgent | undefined;
  let client: AgentTestClient | undefined;
  try {
    const image = await iso.importImage();
    const task = await makeRuntime(iso, { netnsMode: 'task' });
    const pre = await makeRuntime(iso, { netnsMode: 'precreated' });
    const forAgent = await makeRuntime(iso, { netnsMode: 'task' });
    runtimes.push(task, pre, forAgent);
    agent = await startBenchAgent(iso, forAgent);
    client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
    const variants = [
      agentVariant(agent, client, iso, image),
      adapterVariant('adapter/task', iso, task, image),
      adapterVariant('adapter/precreated', iso, pre, image),
      ctrVariant(iso, image),
    ];
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
    for (const v of variants) await v.measure(-1); // warm-up: image pages, plugin binaries, shim
    for (let i = 0; i < RUNS; i++) {
      for (const v of variants) samples.get(v.name)!.push(await v.measure(i));
      process.stderr.write(`run ${i + 1}/${RUNS}\r`);
    }
    const results = Object.fromEntries([...samples].map(([n, s]) => [n, summarize(s)]));
    const p50 = (n: string): number => results[n]!.p50Ms;
    const p95 = (n: string): number => results[n]!.p95Ms;
    const out = {
      bench: 'containerd cold start: create → first successful invoke',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, kernel: os.release() },
      runsPerVariant: RUNS,
      results,
      ratios: {
        'agent/grpc ÷ adapter/task (p50)': Math.round((p50('agent/grpc') / p50('adapter/task')) * 1000) / 1000,
        'agent/grpc ÷ adapter/task (p95)': Math.round((p95('agent/grpc') / p95('adapter/task')) * 1000) / 1000,
        'agent/grpc ÷ ctr+cni (p50)': Math.round((p50('agent/grpc') / p50('ctr+cni')) * 1000) / 1000,
        'adapter/precreated ÷ adapter/task (p50)': Math.round((p50('adapter/precreated') / p50('adapter/task')) * 1000) / 1000,
        'adapter/precreated ÷ adapter/task (p95)': Math.round((p95('adapter/precreated') / p95('adapter/task')) * 1000) / 1000,
        'adapter/task ÷ ctr+cni (p50)': Math.round((p50('adapter/task') / p50('ctr+cni')) * 1000) / 1000,
        'adapter/task ÷ ctr+cni (p95)': Math.round((p95('adapter/task') / p95('ctr+cni')) * 1000) / 1000,
      },
    };
    const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'containerd-cold-start.json'), `${JSON.stringify(out, null, 2)}\n`);
    console.log(JSON.stringify({ results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { p50: v.p50Ms, p95: v.p95Ms, steps: v.stepsP50Ms }])), ratios: out.ratios }, null, 2));
  } finally {
    client?.close();
    await agent?.stop('bench done');
    for (const r of runtimes) await r.close();
    await iso.cleanup();
  }
}

await main();
