/**
 * The agent-level invoke suite on containerd. The containerd adapter is loaded dynamically so
 * this file compiles and skips loudly in a build that does not have it yet.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerRuntime } from '../../src/runtime/container-runtime.js';
import { ctr, lines, requireRuntimes, type TestIsolation } from '../helpers/index.js';
import { defineAgentInvokeSuite } from './helpers/agent-suite.js';

const FACTORY = fileURLToPath(new URL('../../src/runtime/containerd/create-containerd-runtime.ts', import.meta.url));
const hasAdapter = existsSync(FACTORY);
if (!hasAdapter) console.warn(`SKIP test/invoke/invoker-agent-containerd.int.test.ts: no containerd adapter in this build (${FACTORY})`);
const rt = hasAdapter ? await requireRuntimes(['containerd', 'cni', 'image'], 'test/invoke/invoker-agent-containerd.int.test.ts') : { ok: false };

type Factory = (options: Record<string, unknown>) => Promise<ContainerRuntime>;

/** Adapter options for the isolation: its namespace, subnet and bridge; no masquerade, no default route. */
function options(iso: TestIsolation): Record<string, unknown> {
  const b = iso.brand;
  return {
    namespace: iso.namespace,
    managedLabels: { created_by: `${b}-agent`, [`${b}_env`]: iso.env, [`com.${b}.kind`]: 'function' },
    functionLabelKey: `${b}_function`,
    ownerLabelKey: `com.${b}.owner`,
    resolvConfDir: join(iso.workDir, 'resolv'),
    logDir: join(iso.workDir, 'logs'),
    registry: { insecure: true },
    cni: {
      brand: b, confDir: iso.cniConfDir, subnet: iso.subnet.cidr, bridge: iso.bridge, gwIp: iso.subnet.gateway,
      ipMasq: false, defaultRoute: false, identityFile: join(iso.workDir, 'esb-cni.env'), binDirs: ['/opt/cni/bin'],
    },
  };
}

defineAgentInvokeSuite('containerd', 'invoke-agent-ctr', !rt.ok, {
  async start(iso) {
    await iso.importImage();
    const mod = (await import(FACTORY)) as { createContainerdRuntime: Factory };
    const runtime = await mod.createContainerdRuntime(options(iso));
    return {
      runtime,
      env: {
        ...iso.agentEnv, AGENT_RUNTIME: 'containerd', CONTAINERS_NETWORK: iso.cniNetwork,
      },
    };
  },
  async leftovers(iso) {
    return lines(await ctr(iso.namespace, ['containers', 'ls', '-q']));
  },
  async remove() {
    // The isolation's cleanup removes containers, tasks and the namespace.
  },
});
