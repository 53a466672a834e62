/**
 * Builds the containerd adapter's options from the agent config (the composition root calls
 * this; nothing here reads the environment). Reads the registry CA file of contract §2.2 when
 * present.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../../config.js';
import { createContainerdRuntime } from './create-containerd-runtime.js';
import type { ContainerdRuntime } from './containerd-runtime.js';
import type { AdapterLogger, ContainerdRuntimeOptions } from './options.js';

/** CA the Go agent trusts for HTTPS registries (hard-coded path, contract §2.2). */
export const REGISTRY_CA_PATH = '/usr/local/share/ca-certificates/rootCA.crt';

const DEFAULT_IPAM_DIR = '/var/lib/cni/networks';

/** Options for {@link createContainerdRuntime} from `config`. Reads the registry CA when not insecure. */
export async function containerdOptionsFromConfig(config: Config, logger?: AdapterLogger): Promise<ContainerdRuntimeOptions> {
  const id = config.identity;
  const ca = config.images.registryInsecure ? undefined : await readFile(REGISTRY_CA_PATH, 'utf8').catch(() => undefined);
  return {
    socket: config.containerd.socket,
    namespace: id.namespace,
    snapshotter: config.containerd.snapshotter,
    runtimeName: config.containerd.runtime,
    managedLabels: { [id.labelKeys.createdBy]: id.createdBy, [id.labelKeys.env]: config.env, [id.labelKeys.kind]: 'function' },
    functionLabelKey: id.labelKeys.function,
    ownerLabelKey: id.labelKeys.owner,
    cni: {
      brand: id.brand,
      binDirs: [config.cni.binDir],
      confDir: config.cni.confDir,
      confFile: config.cni.confFile,
      subnet: config.cni.subnet,
      bridge: config.cni.bridge,
      dnsServer: config.cni.dnsServer,
      gwIp: config.cni.gatewayIp,
      ipMasq: config.cni.ipMasq,
      defaultRoute: config.cni.defaultRoute,
      ipamDataDir: config.cni.netDir === DEFAULT_IPAM_DIR ? undefined : config.cni.netDir,
    },
    logDir: config.worker.logDir,
    logMaxBytes: config.worker.logMaxBytes,
    pullPolicy: config.images.pullPolicy,
    registry: { insecure: config.images.registryInsecure, ca },
    logger,
  };
}

/** The containerd runtime for `config`: options, start-up checks, network preparation. Throws AgentError. */
export async function containerdRuntimeFromConfig(config: Config, logger?: AdapterLogger): Promise<ContainerdRuntime> {
  return createContainerdRuntime(await containerdOptionsFromConfig(config, logger));
}
