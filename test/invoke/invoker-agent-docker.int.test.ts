import { agentEnv } from '../agent/agent-support.js';
import { docker, requireRuntimes } from '../helpers/index.js';
import { defineAgentInvokeSuite } from './helpers/agent-suite.js';

const rt = await requireRuntimes(['docker', 'image'], 'test/invoke/invoker-agent-docker.int.test.ts');

defineAgentInvokeSuite('dockerd', 'invoke-agent-dkr', !rt.ok, {
  async prepare(iso) {
    await iso.loadDockerImage();
    const net = await iso.createDockerNetwork();
    return agentEnv(iso, 'docker', { CONTAINERS_NETWORK: net.name });
  },
  async leftovers(iso) {
    return (await docker(['ps', '-aq', '--filter', `label=com.${iso.brand}.kind=function`])).split('\n').filter(Boolean);
  },
  async remove(_iso, ids) {
    for (const id of ids) await docker(['rm', '-f', id]);
  },
});
