/**
 * Runtime selection for the composition root: `AGENT_RUNTIME` → an adapter, with its options
 * built from the config (no adapter reads the environment), and `auto` resolved by probing:
 * containerd when its socket answers, else dockerd when it answers, else one start-up error
 * naming both. Every start-up failure is one clear line (an AgentError with step `startup`/…).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AgentError } from '../errors.js';
import { isManaged } from '../identity.js';
import type { ContainerRuntime } from './container-runtime.js';
import { createContainerdRuntime } from './containerd/create-containerd-runtime.js';
import { containerdOptionsFromConfig } from './containerd/from-config.js';
import type { ContainerdRuntimeOptions } from './containerd/options.js';
import { createDockerRuntime } from './docker/create-docker-runtime.js';
import type { DockerRuntimeOptions } from './docker/docker-options.js';
import { SimulatedRuntime } from './simulated/simulated-runtime.js';

/** Host paths a test or an embedding may move away from the production defaults. */
export interface RuntimeOverrides {
  /** CNI identity file (contract §3 step 5); `null` skips it. @default /var/lib/cni/esb-cni.env */
  cniIdentityFile?: string | null | undefined;
  /** Per-worker resolv.conf files. @default /run/containerd/<namespace>/resolv */
  resolvConfDir?: string | undefined;
}

/**
 * The containerd adapter's options for `config` (the adapter's own mapping, which also reads the
 * registry CA of contract §2.2) with this agent's overrides: host paths moved, and a
 * CNI_CONF_FILE of one's own loaded as it is instead of being overwritten by the generated
 * conflist (the adapter writes the generated conflist to `confFile`).
 */
export async function containerdOptions(config: Config, log: Logger, overrides: RuntimeOverrides = {}): Promise<ContainerdRuntimeOptions> {
  const base = await containerdOptionsFromConfig(config, log.child({ component: 'containerd' }));
  return {
    ...base,
    ...(overrides.resolvConfDir !== undefined ? { resolvConfDir: overrides.resolvConfDir } : {}),
    cni: {
      ...base.cni,
      ...(overrides.cniIdentityFile !== undefined ? { identityFile: overrides.cniIdentityFile } : {}),
      generate: config.cni.confFile === defaultConfFile(config),
    },
  };
}

/** `<CNI_CONF_DIR>/10-<B>-net.conflist`, where the generated conflist goes (contract §3). Pure. */
function defaultConfFile(config: Config): string {
  return `${config.cni.confDir.replace(/\/+$/, '')}/10-${config.identity.cniNetwork}.conflist`;
}

/** Pure. The Docker adapter's options for `config`. */
export function dockerOptions(config: Config, log: Logger): DockerRuntimeOptions {
  const d = config.docker;
  return {
    dockerHost: d.host,
    network: config.containersNetwork,
    identity: { brand: config.identity.brand, env: config.identity.env },
    pullPolicy: config.images.pullPolicy,
    apiVersion: d.apiVersion,
    tls: d.certPath || d.tlsVerify ? { certPath: d.certPath, verify: d.tlsVerify } : undefined,
    logger: log.child({ component: 'docker' }),
  };
}

/**
 * Builds the runtime `AGENT_RUNTIME` selects. The caller closes it.
 * @throws AgentError: UNAVAILABLE (socket absent / daemon silent; for `auto`, naming both),
 *   FAILED_PRECONDITION (CNI plugin missing, CONTAINERS_NETWORK missing with how to create it).
 */
export async function selectRuntime(config: Config, log: Logger, overrides: RuntimeOverrides = {}): Promise<ContainerRuntime> {
  switch (config.runtime.kind) {
    case 'simulated':
      log.warn('AGENT_RUNTIME=simulated: workers are simulated in memory, no containers are started');
      return new SimulatedRuntime({
        endpoints: config.simulated.endpoints,
        isManaged: (labels) => isManaged(labels, config.identity),
      });
    case 'containerd':
      return withVariable('containerd', async () => createContainerdRuntime(await containerdOptions(config, log, overrides)));
    case 'docker':
      return withVariable('docker', () => createDockerRuntime(dockerOptions(config, log)));
    case 'auto':
      return autoDetect(config, log, overrides);
  }
}

/** containerd when its socket answers, else dockerd when it answers, else one error naming both. */
async function autoDetect(config: Config, log: Logger, overrides: RuntimeOverrides): Promise<ContainerRuntime> {
  let containerdProblem: string;
  try {
    const runtime = await createContainerdRuntime(await containerdOptions(config, log, overrides));
    log.info({ socket: config.containerd.socket }, 'AGENT_RUNTIME unset: containerd answers, using it');
    return runtime;
  } catch (err) {
    if (!isUnavailable(err)) throw prefixed('AGENT_RUNTIME=auto chose containerd (its socket answers)', err);
    containerdProblem = (err as Error).message;
  }
  try {
    const runtime = await createDockerRuntime(dockerOptions(config, log));
    log.info({ containerdProblem }, 'AGENT_RUNTIME unset: containerd does not answer, dockerd does; using docker');
    return runtime;
  } catch (err) {
    if (!isUnavailable(err)) throw prefixed('AGENT_RUNTIME=auto chose docker (dockerd answers; containerd does not)', err);
    throw new AgentError('UNAVAILABLE',
      `AGENT_RUNTIME is unset (auto) and no runtime answers: containerd: ${containerdProblem}; docker: ${(err as Error).message}. ` +
      'Start one (e.g. sudo scripts/runtime-up.sh) or set AGENT_RUNTIME=simulated',
      { cause: err, step: 'startup' });
  }
}

async function withVariable(kind: string, build: () => Promise<ContainerRuntime>): Promise<ContainerRuntime> {
  try {
    return await build();
  } catch (err) {
    throw prefixed(`AGENT_RUNTIME=${kind}`, err);
  }
}

function isUnavailable(err: unknown): boolean {
  return err instanceof AgentError && err.code === 'UNAVAILABLE';
}

/** The same error with `prefix: ` in front of its message, on one line. */
function prefixed(prefix: string, err: unknown): AgentError {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  if (err instanceof AgentError) return new AgentError(err.code, `${prefix}: ${message}`, { cause: err, step: err.step ?? 'startup' });
  return new AgentError('UNAVAILABLE', `${prefix}: ${message}`, { cause: err, step: 'startup' });
}
