/**
 * Factory of the containerd adapter: checks that the socket exists and answers, that every CNI
 * plugin the network needs is in CNI_BIN_DIR, prepares the brand's CNI network, and returns the
 * runtime. Fails with a clear AgentError at start-up instead of on the first worker.
 */
import { stat } from 'node:fs/promises';
import { AgentError } from '../../errors.js';
import { prepareCniNetwork } from '../cni/network-setup.js';
import { CniExecutor } from '../cni/executor.js';
import { findPlugin } from '../cni/plugin-exec.js';
import { ImagePuller } from '../images/image-puller.js';
import { DEFAULT_CNI_CACHE_DIR, removeStaleTempFiles } from '../cni/result-cache.js';
import type { AdapterContext } from './adapter-context.js';
import { ContainerdClient } from './client.js';
import { ContainerdRuntime } from './containerd-runtime.js';
import { LogCapper } from './host-files.js';
import { ImageStore } from './image-store.js';
import { type ContainerdRuntimeOptions, DEFAULT_NETWORK_PHASE, DEFAULT_RUNTIME, DEFAULT_SOCKET, resolveSnapshotter, silentLogger } from './options.js';

/** When this process started: temporary files older than that were left by a dead agent. */
const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

export interface ContainerdFactoryExtras {
  /** Wait for IP:8080 to accept after start, at most this long (0 = off). @default 0 */
  readinessTimeoutMs?: number | undefined;
}

/**
 * Builds a ready containerd runtime. Throws UNAVAILABLE when the socket is absent or containerd
 * does not answer, FAILED_PRECONDITION when a CNI plugin is missing or the CNI config cannot be
 * written or read.
 */
export async function createContainerdRuntime(
  options: ContainerdRuntimeOptions & ContainerdFactoryExtras,
): Promise<ContainerdRuntime> {
  const socket = options.socket ?? DEFAULT_SOCKET;
  const st = await stat(socket).catch(() => undefined);
  if (!st?.isSocket()) {
    throw new AgentError('UNAVAILABLE', `containerd socket ${socket} does not exist (CONTAINERD_SOCKET); is containerd running?`, { step: 'startup' });
  }
  const client = new ContainerdClient({ socket, namespace: options.namespace, callTimeoutMs: options.callTimeoutMs });
  let version: string | undefined;
  try {
    await client.waitReady(Math.min(options.callTimeoutMs ?? 10_000, 5000));
    version = (await client.call<{ version: string }>('version', 'Version', {})).version;
  } catch (err) {
    client.close();
    throw err instanceof AgentError ? err : new AgentError('UNAVAILABLE', `containerd at ${socket}: ${String(err)}`, { cause: err, step: 'startup' });
  }
  try {
    return await build(options, client, version);
  } catch (err) {
    client.close();
    throw err;
  }
}

async function build(options: ContainerdRuntimeOptions & ContainerdFactoryExtras, client: ContainerdClient, version: string | undefined): Promise<ContainerdRuntime> {
  const cniOpts = options.cni;
  const binDirs = cniOpts.binDirs?.length ? cniOpts.binDirs : ['/opt/cni/bin'];
  const net = await prepareCniNetwork({ ...cniOpts, confDir: cniOpts.confDir ?? '/etc/cni/net.d' });
  const needed = new Set(['loopback', ...net.list.plugins.map((p) => p.type), ...ipamTypes(net.list)]);
  for (const type of needed) await findPlugin(type, binDirs);
  const runtimeName = options.runtimeName?.trim() || DEFAULT_RUNTIME;
  const logDir = options.logDir ?? `/var/log/esb-agent/${options.namespace}`;
  const ctx: AdapterContext = {
    client,
    images: new ImageStore(client),
    cni: new CniExecutor({ binDirs, cacheDir: cniOpts.cacheDir ?? DEFAULT_CNI_CACHE_DIR, pluginTimeoutMs: cniOpts.pluginTimeoutMs }),
    network: net.list,
    namespace: options.namespace,
    snapshotter: resolveSnapshotter(options.snapshotter, options.runtimeName),
    runtimeName,
    netnsMode: options.netnsMode ?? 'task',
    networkPhase: options.networkPhase ?? DEFAULT_NETWORK_PHASE,
    ifName: cniOpts.ifName ?? 'eth0',
    dnsServer: net.dnsServer,
    resolvDir: options.resolvConfDir ?? `/run/containerd/${options.namespace}/resolv`,
    logDir,
    killTimeoutMs: options.killTimeoutMs ?? 10_000,
    taskTimeoutMs: Math.max(options.callTimeoutMs ?? 10_000, 30_000),
    managedLabels: options.managedLabels,
    functionLabelKey: options.functionLabelKey,
    ownerLabelKey: options.ownerLabelKey,
    now: options.now ?? Date.now,
    log: options.logger ?? silentLogger,
  };
  if (net.probe > 0) ctx.log.warn({ subnet: net.subnet, probe: net.probe }, 'base CNI subnet is claimed by another network; using a probe');
  if (net.exhausted) ctx.log.warn({ subnet: net.subnet }, 'every CNI subnet probe is claimed; using the base subnet');
  await collectStaleAttachments(ctx);
  const capper = new LogCapper(logDir, options.logMaxBytes ?? 10 * 1024 * 1024);
  const puller = new ImagePuller({
    client,
    snapshotter: ctx.snapshotter,
    policy: options.pullPolicy,
    log: ctx.log,
    registry: { userAgent: `esb-agent containerd/${version ?? '?'}`, ...options.registry },
  });
  return new ContainerdRuntime(ctx, version, capper, { port: 8080, timeoutMs: options.readinessTimeoutMs ?? 0 }, {
    puller,
    close: () => puller.close(),
  });
}

/**
 * CNI attachments cached for containers that no longer exist in the namespace (removed behind
 * our back, or an agent that died between ADD and rollback) are deleted with their cached result,
 * so their IP leases do not leak. Failures are logged, never fatal.
 */
async function collectStaleAttachments(ctx: AdapterContext): Promise<void> {
  try {
    const existing = async (): Promise<Set<string>> => {
      const { containers } = await ctx.client.call<{ containers: Array<{ id: string }> }>('containers', 'List', { filters: [] });
      return new Set(containers.map((c) => c.id));
    };
    const temps = await removeStaleTempFiles(ctx.cni.cacheDir, PROCESS_STARTED_AT);
    if (temps.length > 0) ctx.log.warn({ removed: temps }, 'removed CNI cache files a killed agent left half-written');
    const { removed, failed } = await ctx.cni.gc(ctx.network, existing);
    if (removed.length > 0) ctx.log.warn({ removed }, 'released CNI attachments of containers that no longer exist');
    for (const err of failed) ctx.log.warn({ err }, 'could not release a stale CNI attachment');
  } catch (err) {
    ctx.log.warn({ err }, 'stale CNI attachment check failed');
  }
}

function ipamTypes(list: { plugins: Array<Record<string, unknown>> }): string[] {
  return list.plugins
    .map((p) => (p['ipam'] as { type?: unknown } | undefined)?.type)
    .filter((t): t is string => typeof t === 'string' && t !== '');
}
