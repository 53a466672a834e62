/**
 * The whole agent (startAgent, the composition root) on real containerd through this adapter,
 * driven over gRPC like the gateway: Ensure → Invoke → List → Pause → Resume → Metrics →
 * Destroy, a bad image, and a worker killed from outside showing as STOPPED.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../../src/main.js';
import { createIsolation, ctr, lines, requireRuntimes, waitFor, type TestIsolation } from '../../helpers/index.js';
import { connectAgent, type AgentTestClient } from '../../server/helpers/agent-client.js';
import { inProcessAgentEnv, makeRuntime } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/runtime/containerd/agent.int.test.ts');

describe.skipIf(!rt.ok)('esb-agent on containerd over gRPC', () => {
  let iso: TestIsolation;
  let agent: RunningAgent | undefined;
  let client: AgentTestClient | undefined;
  beforeEach(async () => {
    iso = await createIsolation('cd-agent');
  });
  afterEach(async () => {
    client?.close();
    await agent?.stop('test done');
    await agent?.runtime.close();
    agent = undefined;
    await iso.cleanup();
  });

  async function start(): Promise<{ agent: RunningAgent; client: AgentTestClient }> {
    const runtime = await makeRuntime(iso);
    agent = await startAgent(inProcessAgentEnv(iso, { AGENT_STOP_GRACE_MS: '3000' }), { runtime });
    client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
    return { agent, client };
  }

  it('goes from EnsureContainer to an invocable worker, pause/resume, metrics and destroy with nothing left', async () => {
    const image = await iso.importImage();
    const { client: c } = await start();
    const owner = 'gw-1';
    const info = await c.ok('EnsureContainer', {
      function_name: 'echo',
      image,
      owner_id: owner,
      env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: ' 128 ' },
    });
    expect(info.id).toMatch(new RegExp(`^${iso.brand}-${iso.env}-echo-[0-9a-f]{8}$`));
    expect(info.ip_address.startsWith(iso.subnet.prefix)).toBe(true);
    expect(info.port).toBe(8080);
    const ref = { container_id: info.id, owner_id: owner };
    const invoked = await c.ok('InvokeWorker', { ...ref, payload: Buffer.from('{"via":"agent"}'), timeout_ms: 10_000 });
    expect(invoked.status_code).toBe(200);
    expect(Buffer.from(invoked.body).toString()).toContain('"via":"agent"');
    const [entry] = (await c.ok('ListContainers', { owner_id: owner })).containers;
    expect(entry).toMatchObject({ container_id: info.id, container_name: info.id, function_name: 'echo', status: 'RUNNING', owner_id: owner });
    await c.ok('PauseContainer', ref);
    expect((await c.ok('ListContainers', { owner_id: owner })).containers[0].status).toBe('PAUSED');
    await c.ok('ResumeContainer', ref);
    const { metrics } = await c.ok('GetContainerMetrics', ref);
    expect(metrics.state).toBe('RUNNING');
    expect(metrics.memory_max).toBe(String(128 * 1024 * 1024));
    expect(BigInt(metrics.memory_current)).toBeGreaterThan(0n);
    expect(BigInt(metrics.cpu_usage_ns)).toBeGreaterThan(0n);
    expect(await c.ok('DestroyContainer', ref)).toEqual({ success: true });
    await waitFor(async () => lines(await ctr(iso.namespace, ['containers', 'ls', '-q'])).length === 0, { what: 'container removed' });
    await iso.assertNothingLeft();
  });

  it('answers NOT_FOUND for an unknown image and leaves nothing', async () => {
    const { client: c } = await start();
    const res = await c.call('EnsureContainer', { function_name: 'nope', image: '127.0.0.1:5000/esb/absent:none', owner_id: 'gw', env: {} });
    expect(res.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(res.error?.details).toContain('absent');
    await iso.assertNothingLeft();
  });

  it('shows a worker killed from outside as STOPPED', async () => {
    const image = await iso.importImage();
    const { client: c } = await start();
    const info = await c.ok('EnsureContainer', { function_name: 'victim', image, owner_id: 'gw', env: {} });
    const row = lines(await ctr(iso.namespace, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((x) => x[0] === info.id);
    process.kill(Number(row?.[1]), 'SIGKILL');
    await waitFor(async () => (await c.ok('ListContainers', { owner_id: 'gw' })).containers.find((x: { container_id: string; status: string }) => x.container_id === info.id)?.status === 'STOPPED', {
      what: 'STOPPED in ListContainers',
      timeoutMs: 30_000,
    });
    await c.ok('DestroyContainer', { container_id: info.id, owner_id: 'gw' });
    await waitFor(async () => lines(await ctr(iso.namespace, ['containers', 'ls', '-q'])).length === 0, { what: 'container removed' });
    await iso.assertNothingLeft();
  });
});
