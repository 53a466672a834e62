/**
 * The whole agent (composition root, supervisor, gRPC server, invoke proxy) on the real dockerd,
 * driven by a client built from the proto alone.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIsolation, docker, requireRuntimes, type TestIsolation } from '../helpers/index.js';
import {
  agentEnv, ensureRequest, invokeDirect, MEMORY_MIB, OWNER, startTestAgent, waitForListStatus,
  type AgentUnderTest,
} from './agent-support.js';

const rt = await requireRuntimes(['docker', 'image'], 'test/agent/docker-agent.int.test.ts');

describe.skipIf(!rt.ok)('agent on docker', () => {
  let iso: TestIsolation;
  let under: AgentUnderTest | undefined;
  let env: Record<string, string>;
  let image: string;
  beforeEach(async () => {
    iso = await createIsolation('agent-dk');
    image = await iso.loadDockerImage();
    const net = await iso.createDockerNetwork();
    env = agentEnv(iso, 'docker', { CONTAINERS_NETWORK: net.name });
  });
  afterEach(async () => {
    await under?.stop();
    under = undefined;
    await iso.cleanup();
  });

  it('goes from Ensure through invoke, pause, resume and metrics to Destroy with nothing left', async () => {
    under = await startTestAgent(iso, env);
    const { client } = under;
    const info = await client.ok('EnsureContainer', ensureRequest(image));
    expect(info.id).toMatch(/^[0-9a-f]{64}$/);
    expect(info.name).toMatch(new RegExp(`^${iso.brand}-test-echo-[0-9a-f]{8}$`));
    expect(info.port).toBe(8080);
    const ref = { container_id: info.id, owner_id: OWNER };

    expect(await invokeDirect(info.ip_address, { hello: 'direct' })).toMatchObject({ status: 200 });
    const viaGrpc = await client.ok('InvokeWorker', { ...ref, payload: Buffer.from('{"hello":"grpc"}'), timeout_ms: 10_000 });
    expect(viaGrpc.status_code).toBe(200);
    expect(Buffer.from(viaGrpc.body).toString()).toContain('grpc');

    await client.ok('PauseContainer', ref);
    expect((await client.ok('ListContainers', { owner_id: OWNER })).containers[0].status).toBe('PAUSED');
    let settled = false;
    const during = invokeDirect(info.ip_address, { hello: 'paused' }).finally(() => { settled = true; });
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
    await client.ok('ResumeContainer', ref);
    expect(await during).toMatchObject({ status: 200 });

    const { metrics } = await client.ok('GetContainerMetrics', ref);
    expect(metrics.state).toBe('RUNNING');
    expect(BigInt(metrics.memory_current)).toBeGreaterThan(0n);
    expect(BigInt(metrics.cpu_usage_ns)).toBeGreaterThan(0n);
    expect(BigInt(metrics.memory_max)).toBe(BigInt(MEMORY_MIB * 1024 * 1024));
    const inspected = JSON.parse(await docker(['inspect', info.id]))[0];
    expect(inspected.HostConfig.Memory).toBe(MEMORY_MIB * 1024 * 1024);

    expect(await client.ok('DestroyContainer', ref)).toEqual({ success: true });
    expect((await client.call('InvokeWorker', ref)).error?.code).toBe(grpc.status.NOT_FOUND);
    await iso.assertNothingLeft();
  });
});
