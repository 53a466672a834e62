/**
 * Docker cold start: create → first successful invoke, three ways, in one run, interleaved
 * (the order rotates every round so no variant always runs on a warmer daemon):
 *
 *   adapter  ensureImage (if-not-present) → create → start → setupNetwork, through DockerRuntime
 *   direct   the same dockerode calls made by hand (image inspect, create, start, inspect for IP)
 *   cli      `/usr/bin/docker run -d` + `/usr/bin/docker inspect` for the IP
 *
 * each followed by the same invoke loop (POST until 200, retrying refused connections every 5 ms).
 * Teardown (stop+remove) is not timed. p50/p95 per variant and the ratios are written to
 * bench/results/docker-cold-start.json (+ .md).
 *
 * Run: npx tsx bench/docker-cold-start.bench.ts   Env: BENCH_RUNS (default 20).
 *
 * Full-agent variant (EnsureContainer over gRPC → actors → this adapter): not wired yet; see
 * `agentVariant` below — the hook to fill in once the agent's composition root lands on main.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { createDockerRuntime } from '../src/runtime/docker/create-docker-runtime.js';
import type { ContainerRuntime, WorkerSpec } from '../src/runtime/container-runtime.js';
import { createBody } from '../src/runtime/docker/create-body.js';

const run = promisify(execFile);
const DOCKER_CLI = '/usr/bin/docker';
const IMAGE = '127.0.0.1:5000/esb/echo:latest';
const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);
const ENV = `b${randomBytes(3).toString('hex')}`;
const NETWORK = `esb-dkt-bench-${ENV}`;
const BRAND = 'dkt';
const OUT = join(dirname(fileURLToPath(import.meta.url)), 'results');

type Variant = (spec: WorkerSpec) => Promise<void>;

function spec(i: number, tag: string): WorkerSpec {
  const functionName = `${tag}${i}`;
  return {
    name: `${BRAND}-${ENV}-${functionName}-${randomBytes(4).toString('hex')}`,
    functionName, image: IMAGE, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }, ownerId: 'bench', memoryLimitBytes: 128 << 20,
    labels: { [`${BRAND}_function`]: functionName, created_by: `${BRAND}-agent`, [`${BRAND}_env`]: ENV, [`com.${BRAND}.kind`]: 'function', [`com.${BRAND}.owner`]: 'bench' },
  };
}

function post(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: ip, port: 8080, method: 'POST', path: '/2015-03-31/functions/function/invocations', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end('{"bench":true}');
  });
}

/** POSTs until 200; refused connections (port not open yet) retry after 5 ms. */
async function firstInvoke(ip: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    try {
      if ((await post(ip)) === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`worker ${ip} never answered`);
}

function adapterVariant(rt: ContainerRuntime): Variant {
  return async (s) => {
    await rt.ensureImage(s.image, {});
    await rt.create(s, {});
    await rt.start(s.name, {});
    const { ipAddress } = await rt.setupNetwork(s.name, {});
    await firstInvoke(ipAddress);
  };
}

function directVariant(docker: Docker): Variant {
  return async (s) => {
    await docker.getImage(s.image).inspect();
    const c = await docker.createContainer(createBody(s, NETWORK) as Docker.ContainerCreateOptions);
    await c.start();
    let ip = '';
    for (let i = 0; !ip && i < 100; i++) {
      const info = await c.inspect();
      ip = info.NetworkSettings.Networks[NETWORK]?.IPAddress ?? '';
      if (!ip) await new Promise((r) => setTimeout(r, 25));
    }
    await firstInvoke(ip);
  };
}

const cliVariant: Variant = async (s) => {
  const labels = Object.entries(s.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  await run(DOCKER_CLI, ['run', '-d', '--name', s.name, '--network', NETWORK, '--restart', 'no', '-m', '128m', '-e', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128', ...labels, IMAGE]);
  const { stdout } = await run(DOCKER_CLI, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`, s.name]);
  await firstInvoke(stdout.trim());
};

/**
 * HOOK (not wired): the full-agent variant — EnsureContainer over gRPC to an in-process agent
 * on the Docker runtime, then InvokeWorker. Fill in when `src/main.ts`/the server land on main
 * (`git merge main`): start the agent on 127.0.0.1:0 with AGENT_RUNTIME=docker and this
 * bench's network/identity, and time EnsureContainer → first InvokeWorker 200.
 */
const agentVariant: Variant | undefined = undefined;

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const r = (v: number): number => Math.round(v * 10) / 10;
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), mean: r(s.reduce((a, b) => a + b, 0) / s.length), min: r(s[0]!), max: r(s.at(-1)!) };
}

async function cleanupAll(): Promise<void> {
  const { stdout } = await run(DOCKER_CLI, ['ps', '-aq', '--filter', `label=${BRAND}_env=${ENV}`]);
  const ids = stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await run(DOCKER_CLI, ['rm', '-f', ...ids]);
}

async function main(): Promise<void> {
  await run(DOCKER_CLI, ['network', 'create', '-o', 'com.docker.network.bridge.enable_ip_masquerade=false', NETWORK]);
  const rt = await createDockerRuntime({ network: NETWORK, identity: { brand: BRAND, env: ENV } });
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const variants: Record<string, Variant> = { adapter: adapterVariant(rt), direct: directVariant(docker), cli: cliVariant };
  if (agentVariant) variants['agent'] = agentVariant;
  const names = Object.keys(variants);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  try {
    // one warm-up of each (page cache, daemon code paths), not recorded
    for (const n of names) {
      await variants[n]!(spec(0, `w${n}`));
      await cleanupAll();
    }
    for (let i = 0; i < RUNS; i++) {
      const order = names.map((_, k) => names[(k + i) % names.length]!);
      for (const n of order) {
        const s = spec(i, n);
        const t0 = process.hrtime.bigint();
        await variants[n]!(s);
        samples[n]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
        await rt.stop(s.name, { graceMs: 0 });
        await rt.remove(s.name, {});
      }
    }
  } finally {
    await rt.close();
    await cleanupAll().catch(() => undefined);
    await run(DOCKER_CLI, ['network', 'rm', NETWORK]).catch(() => undefined);
  }
  const result = Object.fromEntries(names.map((n) => [n, stats(samples[n]!)]));
  const ratio = (a: string, b: string) => ({
    p50: Math.round((result[a]!.p50 / result[b]!.p50) * 1000) / 1000,
    p95: Math.round((result[a]!.p95 / result[b]!.p95) * 1000) / 1000,
  });
  const report = {
    bench: 'docker-cold-start',
    what: 'create → first successful invoke (ms); teardown not timed',
    at: new Date().toISOString(),
    host: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100), node: process.version, dockerd: rt.info.version },
    runs: RUNS,
    results: result,
    ratios: { adapterVsDirect: ratio('adapter', 'direct'), adapterVsCli: ratio('adapter', 'cli'), directVsCli: ratio('direct', 'cli') },
    target: 'adapter within 1.10× of direct',
    agentVariant: agentVariant ? 'measured' : 'not wired yet (hook in bench/docker-cold-start.bench.ts)',
    samples,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'docker-cold-start.json'), `${JSON.stringify(report, null, 2)}\n`);
  const rows = names.map((n) => `| ${n} | ${result[n]!.p50} | ${result[n]!.p95} | ${result[n]!.mean} | ${result[n]!.min} | ${result[n]!.max} |`);
  writeFileSync(join(OUT, 'docker-cold-start.md'), [
    `# Docker cold start (create → first invoke), ${RUNS} runs each, ${report.at}`,
    '', `Host: ${report.host.cpus} CPUs, load ${report.host.loadavg.join(' ')}, dockerd ${report.host.dockerd}, node ${report.host.node}`, '',
    '| variant | p50 ms | p95 ms | mean | min | max |', '|---|---|---|---|---|---|', ...rows, '',
    `adapter/direct: p50 ${report.ratios.adapterVsDirect.p50}×, p95 ${report.ratios.adapterVsDirect.p95}× (target ≤ 1.10×)`,
    `adapter/cli: p50 ${report.ratios.adapterVsCli.p50}×, p95 ${report.ratios.adapterVsCli.p95}×`, '',
  ].join('\n'));
  console.log(JSON.stringify({ results: result, ratios: report.ratios }, null, 2));
}

await main();
