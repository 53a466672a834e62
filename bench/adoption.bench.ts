/**
 * Adoption benchmark: how long start-up recovery takes for N existing workers, side by side in
 * one run with the Go agent's way of learning about them (one `List` filling a plain cache map).
 *   simulated  N = 10, 100, 1000 seeded containers (running/paused/stopped mix), zero latency
 *   containerd N = 10 real workers (3 paused) in a test-bed namespace (skipped without the test bed)
 * Phases: `list→map` (baseline), `list+adopt` (adoptExisting), `recoverOnStart` (start-up cleanup
 * + adoption). Best of R runs each; every adoption run starts from a fresh supervisor.
 *
 *   npx tsx bench/adoption.bench.ts [R=5]
 *
 * Writes bench/results/adoption.json and bench/results/adoption.md. No assertions.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { workerLabels } from '../src/identity.js';
import { createSupervisor, type WorkerSupervisor } from '../src/machines/supervisor.js';
import { workerMachine } from '../src/machines/worker-machine.js';
import { adoptExisting } from '../src/recovery/adopt.js';
import { recoverOnStart } from '../src/recovery/recover-on-start.js';
import { runtimeActors } from '../src/runtime/actors.js';
import type { ContainerRuntime, WorkerSpec } from '../src/runtime/container-runtime.js';
import { containerdRuntimeFromConfig } from '../src/runtime/containerd/from-config.js';
import { createLimiter } from '../src/runtime/limiter.js';
import { SimulatedRuntime } from '../src/runtime/simulated/simulated-runtime.js';
import { checkRuntimes, createIsolation } from '../test/helpers/index.js';
import { containerdAgentEnv, removeRuntimeDir } from '../test/recovery/agent-process.js';

const R = Number(process.argv[2] ?? 5);
const silent = { info: () => undefined, warn: () => undefined };

interface Row { runtime: string; n: number; listMap: number; adopt: number; recover: number }

function supervisorFor(runtime: ContainerRuntime): WorkerSupervisor {
  const limiter = createLimiter({ limits: { pull: 3, create: 8, network: 8, start: 8, destroy: 8 } });
  let id = 0;
  return createSupervisor({
    workerLogic: workerMachine.provide({ actors: runtimeActors(runtime, limiter) }),
    networkPhase: runtime.info.networkPhase,
    buildSpec: () => { throw new Error('no ensure in this bench'); },
    now: Date.now, newRequestId: () => `b-${++id}`, stopGraceMs: 100,
    metrics: (n, o) => runtime.metrics(n, o), runtimeEvents: runtime,
  });
}

async function best(fn: () => Promise<number>): Promise<{ best: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < R; i++) all.push(await fn());
  return { best: Math.min(...all), all: all.map((x) => Math.round(x * 100) / 100) };
}

/** The three phases against `runtime`, each from a fresh supervisor (closed afterwards, containers kept). */
async function measure(runtime: ContainerRuntime, n: number, prefix: string): Promise<Row & { runs: Record<string, number[]> }> {
  const listMap = await best(async () => {
    const t0 = performance.now();
    const cache = new Map((await runtime.list({})).map((c) => [c.containerId, c]));
    if (cache.size !== n) throw new Error(`listed ${cache.size}, expected ${n}`);
    return performance.now() - t0;
  });
  const adopt = await best(async () => {
    const sup = supervisorFor(runtime);
    const r = await adoptExisting(runtime, sup);
    if (r.adopted.length !== n) throw new Error(`adopted ${r.adopted.length}, expected ${n}`);
    sup.close();
    return r.ms;
  });
  const recover = await best(async () => {
    const sup = supervisorFor(runtime);
    const t0 = performance.now();
    const r = await recoverOnStart({ runtime, supervisor: sup, log: silent, stopGraceMs: 100, namePrefix: prefix, startedAt: Date.now() });
    const ms = performance.now() - t0;
    if (r.adoption.adopted.length !== n) throw new Error(`recovered ${r.adoption.adopted.length}, expected ${n}`);
    sup.close();
    return ms;
  });
  return { runtime: runtime.info.kind, n, listMap: listMap.best, adopt: adopt.best, recover: recover.best, runs: { listMap: listMap.all, adopt: adopt.all, recover: recover.all } };
}

async function simulated(n: number) {
  const runtime = new SimulatedRuntime({});
  const statuses = ['running', 'running', 'paused', 'stopped'] as const;
  for (let i = 0; i < n; i++) {
    const spec: WorkerSpec = { name: `esb-bench-fn-${i.toString(16).padStart(8, '0')}`, functionName: 'fn', image: 'bench/echo', env: {}, ownerId: `o${i % 8}`, labels: {} };
    await runtime.seed({ spec, status: statuses[i % statuses.length]! });
  }
  const row = await measure(runtime, n, 'esb-bench-');
  await runtime.close();
  return row;
}

async function containerd(n: number) {
  if (!(await checkRuntimes(['containerd', 'cni', 'image'])).ok) return undefined;
  const iso = await createIsolation('adoption-bench');
  try {
    const image = await iso.importImage();
    const config = loadConfig(containerdAgentEnv(iso));
    const id = config.identity;
    const rt = await containerdRuntimeFromConfig(config);
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${id.containerPrefix}-${id.env}-fn-${i.toString(16).padStart(8, '0')}`;
      await rt.create({ name, functionName: 'fn', image, env: {}, ownerId: 'owner', labels: workerLabels(id, 'fn', 'owner') }, {});
      await rt.setupNetwork(name, {});
      await rt.start(name, {});
      if (i % 3 === 1) await rt.pause(name, {});
      names.push(name);
    }
    const row = await measure(rt, n, `${id.containerPrefix}-${id.env}-`);
    for (const name of names) {
      await rt.stop(name, { graceMs: 0 });
      await rt.remove(name, {});
    }
    await rt.close();
    return row;
  } finally {
    await iso.cleanup();
    removeRuntimeDir(iso);
  }
}

const rows: Array<Row & { runs: Record<string, number[]> }> = [];
for (const n of [10, 100, 1000]) rows.push(await simulated(n));
const real = await containerd(10);
if (real) rows.push(real);
const meta = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: os.loadavg().map((x) => Math.round(x * 10) / 10), runs: R };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/adoption.json', JSON.stringify({ meta, rows }, null, 2));
const f = (x: number) => x.toFixed(2);
const md = [
  '# Adoption benchmark', '',
  `${meta.date}, Node ${meta.node}, ${meta.cpus} CPUs, 1-min load ${meta.load[0]}; best of ${R} runs (all runs in adoption.json).`, '',
  'Baseline `list→map`: one runtime List into a plain map (what the Go agent did to learn about existing containers, without actors).',
  '`list+adopt`: List plus one adopted actor per container in its real state. `recoverOnStart`: start-up cleanup (containerd: tasks, snapshots, leases, CNI cache and IPAM scan) plus adoption.', '',
  '| runtime | N | list→map ms | list+adopt ms | recoverOnStart ms | adopt / baseline |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.runtime} | ${r.n} | ${f(r.listMap)} | ${f(r.adopt)} | ${f(r.recover)} | ${(r.adopt / r.listMap).toFixed(1)}× |`),
  '', real ? '' : 'containerd row skipped: the test bed (containerd, CNI, worker image) was not available.',
].join('\n');
writeFileSync('bench/results/adoption.md', `${md}\n`);
console.log(md);
