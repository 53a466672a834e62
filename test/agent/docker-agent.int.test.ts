/**
 * The whole agent (composition root, supervisor, gRPC server, invoke proxy) on the real dockerd,
 * driven by a client built from the proto alone.
 */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { startAgent } from '../../src/main.js';
import { docker, requireRuntimes } from '../helpers/index.js';
import { agentEnv, ensureRequest, invokeDirect, MEMORY_MIB, OWNER, startTestAgent } from './agent-support.js';
import { ensureFailsWith, fullLifecycle, sharedAgentTests, useAgentBed } from './agent-scenarios.js';

const rt = await requireRuntimes(['docker', 'image'], 'test/agent/docker-agent.int.test.ts');

describe.skipIf(!rt.ok)('agent on docker', () => {
  const currentBed = useAgentBed('agent-dk', async (iso) => {
    const image = await iso.loadDockerImage();
    const net = await iso.createDockerNetwork();
    return {
      env: agentEnv(iso, 'docker', { CONTAINERS_NETWORK: net.name }), image,
      killWorker: async (info) => { await docker(['kill', info.id]); },
    };
  });

  it('goes from Ensure through invoke, pause, resume and metrics to Destroy with nothing left', async () => {
    await fullLifecycle(currentBed(), {
      ensured: (info) => { expect(info.id).toMatch(/^[0-9a-f]{64}$/); },
      running: async (info) => {
        const inspected = JSON.parse(await docker(['inspect', info.id]))[0];
        expect(inspected.HostConfig.Memory).toBe(MEMORY_MIB * 1024 * 1024);
      },
    });
  });

  it('refuses to start with one line saying how to create a missing CONTAINERS_NETWORK', async () => {
    const bed = currentBed();
    const { iso } = bed;
    const missing = `${iso.brand}-dnet-missing`;
    const err = (await startAgent({ ...bed.env, CONTAINERS_NETWORK: missing }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(new RegExp(`^AGENT_RUNTIME=docker: Docker network ${missing} \\(CONTAINERS_NETWORK\\) does not exist; create it`));
    expect(err.message).toContain(`docker network create`);
    expect(err.message).not.toContain('\n');
  });

  it('picks docker when AGENT_RUNTIME is unset and containerd does not answer', async () => {
    const bed = currentBed();
    const { iso } = bed;
    const { AGENT_RUNTIME: _unset, ...env } = bed.env;
    const under = await startTestAgent(iso, { ...env, CONTAINERD_SOCKET: `/nonexistent/${iso.brand}.sock` });
    bed.track(under);
    expect(under.agent.runtime.info.kind).toBe('docker');
    const info = await under.client.ok('EnsureContainer', ensureRequest(bed.image));
    expect(await invokeDirect(info.ip_address, { auto: true })).toMatchObject({ status: 200 });
    expect(await under.client.ok('DestroyContainer', { container_id: info.id, owner_id: OWNER })).toEqual({ success: true });
    await iso.assertNothingLeft();
  });

  it('goes from an image whose entrypoint does not exist to FAILED_PRECONDITION and nothing left', async () => {
    const bed = currentBed();
    const { iso } = bed;
    const image = `127.0.0.1:5000/esb/bad-entry:${iso.brand}`;
    const tmp = (await docker(['create', '--label', `esb.test.id=${iso.brand}`, '--entrypoint', '/nonexistent/entry', bed.image])).trim();
    try {
      await docker(['commit', tmp, image]);
    } finally {
      await docker(['rm', '-f', tmp]);
    }
    try {
      await ensureFailsWith(bed, image, grpc.status.FAILED_PRECONDITION);
    } finally {
      await docker(['rmi', '-f', image]).catch(() => undefined);
    }
  });

  sharedAgentTests(currentBed, { tag: 'agent-dk', kill: 'docker kill' });
});
