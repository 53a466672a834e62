import { createDockerRuntime } from '../../src/runtime/docker/create-docker-runtime.js';
import { docker, requireRuntimes } from '../helpers/index.js';
import { defineAgentInvokeSuite } from './helpers/agent-suite.js';

const rt = await requireRuntimes(['docker', 'image'], 'test/invoke/invoker-agent-docker.int.test.ts');

defineAgentInvokeSuite('dockerd', 'invoke-agent-dkr', !rt.ok, {
  async start(iso) {
    await iso.loadDockerImage();
    const net = await iso.createDockerNetwork();
    const runtime = await createDockerRuntime({ network: net.name, identity: { brand: iso.brand, env: iso.env }, callTimeoutMs: 30_000 });
    return { runtime, env: { CONTAINERS_NETWORK: net.name, AGENT_RUNTIME: 'docker' } };
  },
  async leftovers(iso) {
    return (await docker(['ps', '-aq', '--filter', `label=com.${iso.brand}.kind=function`])).split('\n').filter(Boolean);
  },
  async remove(_iso, ids) {
    for (const id of ids) await docker(['rm', '-f', id]);
  },
});
