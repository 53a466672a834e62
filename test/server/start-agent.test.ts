/**
 * A whole agent started in-process by the composition root (`startAgent`) on the simulated
 * runtime, driven by a client built from the proto alone: Ensure → Invoke → List → Pause →
 * Resume → Metrics → Destroy, health, startup errors, and stop.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';
import { certsCommand } from '../../src/cli/certs.js';
import { replayCommand } from '../../src/cli/replay.js';
import { devCertEnv, devCertPaths } from '../../src/certs/dev-certs.js';
import { startAgent, type RunningAgent } from '../../src/main.js';
import { SimulatedRuntime } from '../../src/runtime/simulated/simulated-runtime.js';
import { connectAgent, type AgentTestClient } from './helpers/agent-client.js';

const BASE_ENV = {
  ENV: 'test',
  CONTAINERS_NETWORK: 'esb-test-external',
  ESB_BRAND_SLUG: 'esbsrv',
  AGENT_RUNTIME: 'simulated',
  AGENT_GRPC_HOST: '127.0.0.1',
  PORT: '0',
  AGENT_HTTP_PORT: '0',
  AGENT_GRPC_TLS_DISABLED: '1',
  AGENT_LOG_LEVEL: 'silent',
  AGENT_STOP_GRACE_MS: '10',
  AGENT_SHUTDOWN_TIMEOUT: '2000',
};

const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String })) as any;

function healthStatus(address: string, service: string): Promise<string | number> {
  const client = new healthPkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.Check({ service }, (err: grpc.ServiceError | null, res: { status: string }) => {
      client.close();
      resolve(err ? err.code : res.status);
    });
  });
}

let agent: RunningAgent | undefined;
let client: AgentTestClient | undefined;
afterEach(async () => {
  client?.close();
  await agent?.stop('test done');
  agent = undefined;
  client = undefined;
});

describe('startAgent', () => {
  it('serves the whole lifecycle on the simulated runtime, InvokeWorker included', async () => {
    agent = await startAgent({ ...BASE_ENV, AGENT_SHUTDOWN_POLICY: 'destroy' });
    client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
    expect(await healthStatus(`127.0.0.1:${agent.grpcPort}`, 'esb.agent.v1.AgentService')).toBe('SERVING');
    const owner = 'gw-main';
    const info = await client.ok('EnsureContainer', { function_name: 'echo', image: 'esb/echo:latest', owner_id: owner, env: {} });
    expect(info.name).toMatch(/^esbsrv-test-echo-[0-9a-f]{8}$/);
    expect(info.id).toBe(info.name);
    expect(info.port).toBe(8080);
    const ref = { container_id: info.id, owner_id: owner };
    const invoked = await client.ok('InvokeWorker', { ...ref, payload: Buffer.from('{"hello":"world"}'), timeout_ms: 10_000 });
    expect(invoked.status_code).toBe(200);
    expect(Buffer.from(invoked.body).toString()).toContain('hello');
    const [entry] = (await client.ok('ListContainers', { owner_id: owner })).containers;
    expect(entry).toMatchObject({ container_id: info.id, container_name: info.name, function_name: 'echo', status: 'RUNNING', owner_id: owner });
    expect(Math.abs(Number(entry.created_at) - Date.now() / 1000)).toBeLessThan(600);
    await client.ok('PauseContainer', ref);
    expect((await client.call('PauseContainer', ref)).error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    await client.ok('ResumeContainer', ref);
    expect((await client.ok('GetContainerMetrics', ref)).metrics.state).toBe('RUNNING');
    expect(await client.ok('DestroyContainer', ref)).toEqual({ success: true });
    expect((await client.call('InvokeWorker', ref)).error?.code).toBe(grpc.status.NOT_FOUND);
    const runtime = agent.runtime as SimulatedRuntime;
    await expect.poll(() => runtime.snapshotState().containers.length, { timeout: 10_000 }).toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();
    const handled = (method: string, code: string) => metrics.split('\n').find((l) =>
      l.startsWith('grpc_server_handled_total{') && l.includes(`grpc_method="${method}"`) && l.includes(`grpc_code="${code}"`));
    expect(handled('EnsureContainer', 'OK')).toMatch(/ 1$/);
    expect(handled('PauseContainer', 'FailedPrecondition')).toMatch(/ 1$/);
    expect(handled('InvokeWorker', 'NotFound')).toMatch(/ 1$/);
  });

  it('records a journal with AGENT_JOURNAL that replays ok, and a mutated copy that does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esb-agent-journal-'));
    try {
      const path = join(dir, 'agent.jsonl');
      agent = await startAgent({ ...BASE_ENV, AGENT_JOURNAL: path, AGENT_SHUTDOWN_POLICY: 'destroy' });
      client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
      const info = await client.ok('EnsureContainer', { function_name: 'journaled', image: 'img', owner_id: 'o' });
      await client.ok('PauseContainer', { container_id: info.id, owner_id: 'o' });
      await agent.stop('test');
      agent = undefined;
      const out: string[] = [];
      const io = { env: {}, out: (l: string) => out.push(l), err: (l: string) => out.push(l), waitForSignal: () => new Promise<string>(() => {}) };
      expect(await replayCommand([path], io)).toBe(0);
      expect(out.at(-1)).toMatch(/^replay ok \(1 actors, \d+ events\)/);
      const text = await readFile(path, 'utf8');
      expect(text).toContain('"paused"');
      await writeFile(join(dir, 'mutated.jsonl'), text.replace('"paused"', '"running"'));
      expect(await replayCommand([join(dir, 'mutated.jsonl')], io)).toBe(1);
      expect(out.at(-1)).toMatch(/replay FAILED/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('turns health NOT_SERVING and refuses new calls after stop', async () => {
    agent = await startAgent(BASE_ENV);
    const address = `127.0.0.1:${agent.grpcPort}`;
    expect(await healthStatus(address, '')).toBe('SERVING');
    await agent.stop('test');
    expect(await healthStatus(address, '')).toBe(grpc.status.UNAVAILABLE);
  });

  it('destroys the workers on stop with AGENT_SHUTDOWN_POLICY=destroy, leaving nothing in the runtime', async () => {
    const runtime = new SimulatedRuntime();
    agent = await startAgent({ ...BASE_ENV, AGENT_SHUTDOWN_POLICY: 'destroy' }, { runtime });
    client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
    for (let i = 0; i < 3; i++) await client.ok('EnsureContainer', { function_name: `fn${i}`, image: 'img', owner_id: 'o' });
    expect(runtime.snapshotState().started).toHaveLength(3);
    await agent.stop('test');
    expect(runtime.snapshotState()).toMatchObject({ containers: [], networks: [], started: [] });
    await runtime.close();
  });

  it('adopts the workers it finds at startup so their owner can list and destroy them', async () => {
    const runtime = new SimulatedRuntime();
    const first = await startAgent(BASE_ENV, { runtime });
    const c1 = connectAgent(`127.0.0.1:${first.grpcPort}`);
    const info = await c1.ok('EnsureContainer', { function_name: 'keep', image: 'img', owner_id: 'o' });
    c1.close();
    await first.stop('restart');
    expect(runtime.snapshotState().started).toEqual([info.id]);
    agent = await startAgent(BASE_ENV, { runtime });
    client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
    const list = await client.ok('ListContainers', { owner_id: 'o' });
    expect(list.containers.map((c: { container_id: string }) => c.container_id)).toEqual([info.id]);
    await client.ok('DestroyContainer', { container_id: info.id, owner_id: 'o' });
    await expect.poll(() => runtime.snapshotState().containers.length, { timeout: 10_000 }).toBe(0);
    await agent.stop('test');
    await runtime.close();
  });

  it('fails to start with one error naming a missing TLS file, and leaves nothing listening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esb-agent-start-'));
    try {
      const env = { ...BASE_ENV, AGENT_GRPC_TLS_DISABLED: '0', AGENT_GRPC_CERT_PATH: join(dir, 'server.crt'), AGENT_GRPC_KEY_PATH: join(dir, 'server.key'), AGENT_GRPC_CA_CERT_PATH: join(dir, 'rootCA.crt') };
      await expect(startAgent(env)).rejects.toThrow(`AGENT_GRPC_CERT_PATH=${join(dir, 'server.crt')} (ENOENT)`);
      await expect(startAgent(env)).rejects.toThrow(/esb-agent certs <dir>/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves mTLS by default with a set written by `esb-agent certs`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esb-agent-mtls-'));
    try {
      const io = { env: {}, out: () => {}, err: () => {}, waitForSignal: () => new Promise<string>(() => {}) };
      expect(await certsCommand([dir], io)).toBe(0);
      const paths = devCertPaths(dir);
      const { AGENT_GRPC_TLS_DISABLED: _off, ...tlsEnv } = BASE_ENV;
      agent = await startAgent({ ...tlsEnv, ...devCertEnv(paths) });
      const read = (f: string) => readFile(f);
      const creds = grpc.credentials.createSsl(await read(paths.caCert), await read(paths.clientKey), await read(paths.clientCert));
      client = connectAgent(`localhost:${agent.grpcPort}`, creds);
      expect(await client.ok('ListContainers', { owner_id: 'o' })).toEqual({ containers: [] });
      const plain = connectAgent(`127.0.0.1:${agent.grpcPort}`);
      expect((await plain.call('ListContainers', { owner_id: 'o' }, { deadline: Date.now() + 10_000 })).error?.code).toBe(grpc.status.UNAVAILABLE);
      plain.close();
    } finally {
      client?.close();
      client = undefined;
      await agent?.stop('test');
      agent = undefined;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a runtime this build does not have, naming it', async () => {
    await expect(startAgent({ ...BASE_ENV, AGENT_RUNTIME: 'containerd' })).rejects.toThrow(/AGENT_RUNTIME=containerd: the containerd runtime is not available in this build/);
  });

  it('stops when its abort signal fires', async () => {
    const controller = new AbortController();
    const started = await startAgent(BASE_ENV, { signal: controller.signal });
    const address = `127.0.0.1:${started.grpcPort}`;
    controller.abort();
    await expect.poll(() => healthStatus(address, ''), { timeout: 10_000 }).toBe(grpc.status.UNAVAILABLE);
    await started.stop();
  });
});
