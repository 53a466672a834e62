/**
 * Cold start through the whole agent, side by side in one run with the adapter called directly
 * and with the runtime driven by hand, for containerd and for docker:
 *
 *   agent   EnsureContainer over gRPC (server → supervisor → worker actor → limiter → adapter,
 *           readiness wait) → first InvokeWorker answered 200 over gRPC
 *   direct  the same adapter instance the agent uses, called without gRPC or actors:
 *           ensureImage → create → network/start (in the runtime's order) → POST until 200
 *   byhand  containerd: `ctr run -d` + loopback/bridge/portmap CNI plugins run by hand;
 *           docker: `docker run -d` + `docker inspect` for the IP; then POST until 200
 *
 * Variants run round-robin in a shuffled order per round; teardown is not timed. Ratios: agent ÷ direct
 * (target ≤ 1.10) and agent ÷ byhand (target < 1 for containerd).
 *
 *   npx tsx bench/agent-cold-start.bench.ts [runs=20] [containerd,docker]
 * Results: bench/results/agent-cold-start.json and .md
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { containerName, workerLabels } from '../src/identity.js';
import type { ContainerRuntime, WorkerSpec } from '../src/runtime/container-runtime.js';
import { cniAdd, cniDel, cniLoopback, createIsolation, ctr, lines, type TestIsolation } from '../test/helpers/index.js';
import { agentEnv, OWNER, startTestAgent, type AgentUnderTest } from '../test/agent/agent-support.js';
import { firstInvoke, pct, shuffled } from './cold-start-shared.js';

const exec = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 20);
const KINDS = (process.argv[3] ?? 'containerd,docker').split(',') as Array<'containerd' | 'docker'>;
const MEMORY = '128';

interface Variant {
  name: string;
  /** Timed part; returns step durations. */
  measure(i: number): Promise<Record<string, number>>;
  /** Untimed teardown of run i. */
  teardown(): Promise<void>;
}

function agentVariant(under: AgentUnderTest, image: string): Variant {
  let ref: { container_id: string; owner_id: string } | undefined;
  return {
    name: 'agent',
    async measure(i) {
      const t0 = performance.now();
      const info = await under.client.ok('EnsureContainer', { function_name: `a${i}`, image, owner_id: OWNER, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: MEMORY } });
      const t1 = performance.now();
      ref = { container_id: info.id, owner_id: OWNER };
      const res = await under.client.ok('InvokeWorker', { ...ref, payload: Buffer.from('{"bench":1}'), timeout_ms: 30_000 });
      if (res.status_code !== 200) throw new Error(`InvokeWorker answered ${res.status_code}`);
      return { ensure: t1 - t0, firstInvoke: performance.now() - t1 };
    },
    async teardown() {
      if (ref) await under.client.ok('DestroyContainer', ref);
    },
  };
}

function directVariant(under: AgentUnderTest, image: string): Variant {
  const rt: ContainerRuntime = under.agent.runtime;
  const identity = under.agent.config.identity;
  let name: string | undefined;
  return {
    name: 'direct',
    async measure(i) {
      const fn = `d${i}`;
      const spec: WorkerSpec = {
        name: containerName(identity, fn), functionName: fn, image, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: MEMORY }, ownerId: OWNER,
        labels: workerLabels(identity, fn, OWNER), memoryLimitBytes: Number(MEMORY) * 1024 * 1024,
      };
      name = spec.name;
      const t0 = performance.now();
      await rt.ensureImage(image, {});
      await rt.create(spec, {});
      const t1 = performance.now();
      let ip: string;
      if (rt.info.networkPhase === 'beforeStart') {
        ip = (await rt.setupNetwork(spec.name, {})).ipAddress;
        await rt.start(spec.name, {});
      } else {
        await rt.start(spec.name, {});
        ip = (await rt.setupNetwork(spec.name, {})).ipAddress;
      }
      const t2 = performance.now();
      await firstInvoke(ip);
      return { create: t1 - t0, networkStart: t2 - t1, firstInvoke: performance.now() - t2 };
    },
    async teardown() {
      if (!name) return;
      await rt.teardownNetwork(name, {});
      await rt.stop(name, { graceMs: 500 });
      await rt.remove(name, {});
    },
  };
}

function ctrByHand(iso: TestIsolation, image: string): Variant {
  const conflist = iso.conflist();
  let current: { id: string; netns: string } | undefined;
  const taskStatus = async (id: string) => lines(await ctr(iso.namespace, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id);
  return {
    name: 'byhand',
    async measure(i) {
      const id = iso.containerId(`h${i}`);
      const t0 = performance.now();
      await ctr(iso.namespace, ['run', '-d', '--memory-limit', String(Number(MEMORY) * 1024 * 1024), image, id]);
      const t1 = performance.now();
      current = { id, netns: `/proc/${(await taskStatus(id))?.[1]}/ns/net` };
      await cniLoopback({ containerId: id, netns: current.netns });
      const { ip } = await cniAdd(conflist, { containerId: id, netns: current.netns });
      const t2 = performance.now();
      await firstInvoke(ip);
      return { ctrRun: t1 - t0, network: t2 - t1, firstInvoke: performance.now() - t2 };
    },
    async teardown() {
      if (!current) return;
      const { id, netns } = current;
      await cniDel(conflist, { containerId: id, netns });
      await ctr(iso.namespace, ['tasks', 'kill', '-s', 'SIGKILL', id]);
      for (let k = 0; k < 500 && (await taskStatus(id))?.[2] !== 'STOPPED'; k++) await new Promise((r) => setTimeout(r, 10));
      await ctr(iso.namespace, ['tasks', 'rm', id]);
      await ctr(iso.namespace, ['containers', 'rm', id]);
    },
  };
}

function dockerByHand(iso: TestIsolation, network: string, image: string): Variant {
  let name: string | undefined;
  return {
    name: 'byhand',
    async measure(i) {
      name = iso.containerId(`h${i}`);
      const labels = Object.entries(iso.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
      const t0 = performance.now();
      await exec('/usr/bin/docker', ['run', '-d', '--name', name, '--network', network, '--restart', 'no', '-m', `${MEMORY}m`, ...labels, image]);
      const t1 = performance.now();
      const { stdout } = await exec('/usr/bin/docker', ['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name]);
      const t2 = performance.now();
      await firstInvoke(stdout.trim());
      return { dockerRun: t1 - t0, inspect: t2 - t1, firstInvoke: performance.now() - t2 };
    },
    async teardown() {
      if (name) await exec('/usr/bin/docker', ['rm', '-f', name]);
    },
  };
}

function summarize(samples: Array<Record<string, number>>) {
  const totals = samples.map((s) => Object.values(s).reduce((a, b) => a + b, 0)).sort((a, b) => a - b);
  const steps = Object.keys(samples[0] ?? {});
  return {
    runs: samples.length, p50Ms: pct(totals, 50), p95Ms: pct(totals, 95), minMs: pct(totals, 0), maxMs: pct(totals, 100),
    stepsP50Ms: Object.fromEntries(steps.map((n) => [n, pct(samples.map((s) => s[n]!).sort((a, b) => a - b), 50)])),
    samplesMs: samples.map((s) => Math.round(Object.values(s).reduce((a, b) => a + b, 0) * 10) / 10),
  };
}

/** Warm-up then RUNS rounds, the order shuffled each round. */
async function runVariants(kind: string, variants: Variant[]) {
  const samples = new Map<string, Array<Record<string, number>>>(variants.map((v) => [v.name, []]));
  for (const v of variants) { await v.measure(-1); await v.teardown(); }
  for (let i = 0; i < RUNS; i++) {
    const order = shuffled(variants.length, i);
    for (let k = 0; k < variants.length; k++) {
      const v = variants[order[k]!]!;
      samples.get(v.name)!.push(await v.measure(i));
      await v.teardown();
    }
    process.stderr.write(`${kind}: run ${i + 1}/${RUNS}\r`);
  }
  process.stderr.write('\n');
  const results = Object.fromEntries([...samples].map(([n, s]) => [n, summarize(s)]));
  const ratio = (a: string, b: string) => ({
    p50: Math.round((results[a]!.p50Ms / results[b]!.p50Ms) * 1000) / 1000,
    p95: Math.round((results[a]!.p95Ms / results[b]!.p95Ms) * 1000) / 1000,
  });
  return { results, ratios: { agentVsDirect: ratio('agent', 'direct'), agentVsByhand: ratio('agent', 'byhand'), directVsByhand: ratio('direct', 'byhand') } };
}

async function benchContainerd() {
  const iso = await createIsolation('bench-agent-cd');
  let under: AgentUnderTest | undefined;
  try {
    const image = await iso.importImage();
    under = await startTestAgent(iso, agentEnv(iso, 'containerd', { AGENT_SHUTDOWN_POLICY: 'destroy' }));
    return await runVariants('containerd', [agentVariant(under, image), directVariant(under, image), ctrByHand(iso, image)]);
  } finally {
    await under?.stop();
    await iso.cleanup();
  }
}

async function benchDocker() {
  const iso = await createIsolation('bench-agent-dk');
  let under: AgentUnderTest | undefined;
  try {
    const image = await iso.loadDockerImage();
    const net = await iso.createDockerNetwork();
    under = await startTestAgent(iso, agentEnv(iso, 'docker', { CONTAINERS_NETWORK: net.name, AGENT_SHUTDOWN_POLICY: 'destroy' }));
    return await runVariants('docker', [agentVariant(under, image), directVariant(under, image), dockerByHand(iso, net.name, image)]);
  } finally {
    await under?.stop();
    await iso.cleanup();
  }
}

function markdown(out: { date: string; machine: Record<string, unknown>; runsPerVariant: number; runtimes: Record<string, Awaited<ReturnType<typeof runVariants>>> }): string {
  const rows: string[] = [];
  for (const [kind, r] of Object.entries(out.runtimes)) {
    for (const [v, s] of Object.entries(r.results)) {
      rows.push(`| ${kind} | ${v} | ${s.p50Ms} | ${s.p95Ms} | ${s.minMs} | ${s.maxMs} | ${Object.entries(s.stepsP50Ms).map(([k, ms]) => `${k} ${ms}`).join(', ')} |`);
    }
  }
  const ratios = Object.entries(out.runtimes).map(([kind, r]) =>
    `- ${kind}: agent ÷ direct p50 ${r.ratios.agentVsDirect.p50}× / p95 ${r.ratios.agentVsDirect.p95}× (target ≤ 1.10×); ` +
    `agent ÷ by hand p50 ${r.ratios.agentVsByhand.p50}× / p95 ${r.ratios.agentVsByhand.p95}×`);
  return [
    `# Agent cold start: EnsureContainer → first successful invoke (${out.runsPerVariant} runs per variant)`, '',
    `${out.date}; ${JSON.stringify(out.machine)}`, '',
    'agent = gRPC EnsureContainer + InvokeWorker through the whole agent; direct = the same adapter instance called',
    'without gRPC/actors (ensureImage, create, network/start, POST until 200); by hand = `ctr run -d` + CNI plugins',
    '(containerd) or `docker run -d` + `docker inspect` (docker). Round-robin, shuffled order per round; teardown not timed.', '',
    '| runtime | variant | p50 ms | p95 ms | min | max | step p50s (ms) |', '|---|---|---|---|---|---|---|', ...rows, '', ...ratios, '',
  ].join('\n');
}

async function main(): Promise<void> {
  const runtimes: Record<string, Awaited<ReturnType<typeof runVariants>>> = {};
  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  if (KINDS.includes('containerd')) runtimes['containerd'] = await benchContainerd();
  if (KINDS.includes('docker')) runtimes['docker'] = await benchDocker();
  const out = {
    bench: 'agent cold start: EnsureContainer → first successful invoke',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, kernel: os.release(), loadavgBefore: loadBefore, loadavgAfter: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    runsPerVariant: RUNS,
    runtimes,
  };
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent-cold-start.json'), `${JSON.stringify(out, null, 2)}\n`);
  await writeFile(join(dir, 'agent-cold-start.md'), markdown(out));
  console.log(markdown(out));
}

await main();
