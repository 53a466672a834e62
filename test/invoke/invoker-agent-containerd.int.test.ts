import { agentEnv } from '../agent/agent-support.js';
import { ctr, lines, requireRuntimes } from '../helpers/index.js';
import { defineAgentInvokeSuite } from './helpers/agent-suite.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/invoke/invoker-agent-containerd.int.test.ts');

defineAgentInvokeSuite('containerd', 'invoke-agent-ctr', !rt.ok, {
  async prepare(iso) {
    await iso.importImage();
    return agentEnv(iso, 'containerd');
  },
  async leftovers(iso) {
    return lines(await ctr(iso.namespace, ['containers', 'ls', '-q']));
  },
  async remove() {
    // The isolation's cleanup removes containers, tasks and the namespace.
  },
});
