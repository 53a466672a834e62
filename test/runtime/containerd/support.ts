/** Shared set-up of the containerd adapter integration tests (isolated per test by the test bed). */
import { join } from 'node:path';
import { createContainerdRuntime } from '../../../src/runtime/containerd/create-containerd-runtime.js';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import type { ContainerdRuntimeOptions } from '../../../src/runtime/containerd/options.js';
import type { WorkerSpec } from '../../../src/runtime/container-runtime.js';
import type { TestIsolation } from '../../helpers/index.js';
import { randomHex } from '../../helpers/index.js';

export const INVOKE_PATH = '/2015-03-31/functions/function/invocations';

/** Adapter options for the test's namespace, subnet and bridge: no masquerade, no default route. */
export function runtimeOptions(iso: TestIsolation, extra: Partial<ContainerdRuntimeOptions> = {}): ContainerdRuntimeOptions {
  const b = iso.brand;
  return {
    namespace: iso.namespace,
    managedLabels: { created_by: `${b}-agent`, [`${b}_env`]: iso.env, [`com.${b}.kind`]: 'function' },
    functionLabelKey: `${b}_function`,
    ownerLabelKey: `com.${b}.owner`,
    resolvConfDir: join(iso.workDir, 'resolv'),
    logDir: join(iso.workDir, 'logs'),
    ...extra,
    cni: {
      brand: b,
      confDir: iso.cniConfDir,
      subnet: iso.subnet.cidr,
      bridge: iso.bridge,
      gwIp: iso.subnet.gateway,
      ipMasq: false,
      defaultRoute: false,
      identityFile: join(iso.workDir, 'esb-cni.env'),
      binDirs: ['/opt/cni/bin'],
      ...extra.cni,
    },
  };
}

export function makeRuntime(iso: TestIsolation, extra: Partial<ContainerdRuntimeOptions> = {}): Promise<ContainerdRuntime> {
  return createContainerdRuntime(runtimeOptions(iso, extra));
}

/**
 * The env of an in-process agent on the test's containerd adapter (passed to `startAgent` with
 * `{ runtime }`): TLS off, ports picked by the OS, silent logs, workers destroyed on stop, no
 * reconcile loop.
 */
export function inProcessAgentEnv(iso: TestIsolation, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ENV: iso.env,
    CONTAINERS_NETWORK: iso.cniNetwork,
    ESB_BRAND_SLUG: iso.brand,
    AGENT_RUNTIME: 'containerd',
    AGENT_GRPC_HOST: '127.0.0.1',
    PORT: '0',
    AGENT_HTTP_PORT: '0',
    AGENT_GRPC_TLS_DISABLED: '1',
    AGENT_LOG_LEVEL: 'silent',
    AGENT_SHUTDOWN_POLICY: 'destroy',
    AGENT_RECONCILE_INTERVAL_MS: '0',
    ...extra,
  };
}

/** A worker spec with the five labels of contract §0. */
export function workerSpec(iso: TestIsolation, image: string, fn = 'fn', extra: Partial<WorkerSpec> = {}): WorkerSpec {
  const b = iso.brand;
  const owner = extra.ownerId ?? 'owner-1';
  return {
    name: `${b}-${iso.env}-${fn}-${randomHex(8)}`,
    functionName: fn,
    image,
    env: {},
    ownerId: owner,
    labels: { [`${b}_function`]: fn, created_by: `${b}-agent`, [`${b}_env`]: iso.env, [`com.${b}.kind`]: 'function', [`com.${b}.owner`]: owner },
    ...extra,
  };
}

/** POSTs an event to the worker and returns the parsed reply. */
export async function invoke(ip: string, event: unknown, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${ip}:8080${INVOKE_PATH}`, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) throw new Error(`invoke answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}
