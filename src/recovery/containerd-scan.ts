/**
 * Reads what the containerd adapter may have left of this agent's workers (names with our
 * `{brand}-{env}-` prefix): containers (all of the namespace), tasks, snapshots, leases, CNI
 * result-cache entries and host-local IPAM leases of our network, netns files and per-worker
 * files. Read-only; every reader returns [] when its folder is absent.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listCacheEntries, type CacheEntry } from '../runtime/cni/result-cache.js';
import type { AdapterContext } from '../runtime/containerd/adapter-context.js';
import { timestampMs } from '../runtime/containerd/metrics.js';
import type { TaskProcess } from '../runtime/containerd/task-control.js';

/** host-local's default state folder. */
export const DEFAULT_IPAM_DIR = '/var/lib/cni/networks';
/** Where `ip netns` keeps named namespaces. */
export const NETNS_DIR = '/var/run/netns';

/** One host-local lease file: `<dataDir>/<network>/<ip>` holding `<containerId>\n<ifName>`. */
export interface IpamLease {
  ip: string;
  file: string;
  containerId: string;
  ifName: string | undefined;
}

export interface LeaseRecord {
  id: string;
  createdAt: number;
}

/** Every container id of the namespace, whatever its labels (other envs share the namespace). */
export async function namespaceContainerIds(ctx: AdapterContext, signal?: AbortSignal): Promise<Set<string>> {
  const res = await ctx.client.call<{ containers: Array<{ id: string }> }>('containers', 'List', { filters: [] }, { signal });
  return new Set(res.containers.map((c) => c.id));
}

export async function listTasks(ctx: AdapterContext, signal?: AbortSignal): Promise<TaskProcess[]> {
  const res = await ctx.client.call<{ tasks: TaskProcess[] }>('tasks', 'List', { filter: '' }, { signal });
  return res.tasks;
}

/** Keys of the snapshots of our snapshotter (active and committed). */
export async function listSnapshotKeys(ctx: AdapterContext, signal?: AbortSignal): Promise<string[]> {
  const pages = await ctx.client.collect<{ info: Array<{ name: string }> }>('snapshots', 'List', { snapshotter: ctx.snapshotter, filters: [] }, { signal });
  return pages.flatMap((p) => p.info.map((i) => i.name));
}

export async function listLeases(ctx: AdapterContext, signal?: AbortSignal): Promise<LeaseRecord[]> {
  const res = await ctx.client.call<{ leases: Array<{ id: string; created_at?: { seconds?: string; nanos?: number } | null }> }>(
    'leases', 'List', { filters: [] }, { signal });
  return res.leases.map((l) => ({ id: l.id, createdAt: timestampMs(l.created_at) }));
}

/** CNI result-cache entries of our network whose container id has `prefix`. */
export async function ourCacheEntries(ctx: AdapterContext, prefix: string): Promise<CacheEntry[]> {
  return (await listCacheEntries(ctx.cni.cacheDir, ctx.network.name)).filter((e) => e.containerId.startsWith(prefix));
}

/** Pure. host-local's dataDir for the network: the conflist's `ipam.dataDir`, else the default. */
export function ipamDir(ctx: Pick<AdapterContext, 'network'>): string {
  for (const p of ctx.network.plugins) {
    const dir = (p['ipam'] as { dataDir?: unknown } | undefined)?.dataDir;
    if (typeof dir === 'string' && dir !== '') return join(dir, ctx.network.name);
  }
  return join(DEFAULT_IPAM_DIR, ctx.network.name);
}

/** host-local lease files of our network whose container id has `prefix`. */
export async function ourIpamLeases(ctx: AdapterContext, prefix: string): Promise<IpamLease[]> {
  const dir = ipamDir(ctx);
  const out: IpamLease[] = [];
  for (const name of await readdirOrEmpty(dir)) {
    if (!/^[0-9a-f.:]+$/i.test(name)) continue; // lock, last_reserved_ip.0
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    const [containerId = '', ifName] = text.split(/\r?\n/).map((l) => l.trim());
    if (containerId.startsWith(prefix)) out.push({ ip: name, file: join(dir, name), containerId, ifName: ifName || undefined });
  }
  return out;
}

/** Named network namespaces with our prefix. */
export async function ourNetns(prefix: string, dir = NETNS_DIR): Promise<string[]> {
  return (await readdirOrEmpty(dir)).filter((n) => n.startsWith(prefix));
}

/** Worker names that have a resolv.conf or log file in the adapter's folders. */
export async function ourWorkerFiles(ctx: AdapterContext, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  for (const f of await readdirOrEmpty(ctx.resolvDir)) if (f.startsWith(prefix) && f.endsWith('.resolv.conf')) names.add(f.slice(0, -'.resolv.conf'.length));
  for (const f of await readdirOrEmpty(ctx.logDir)) {
    const m = /^(.*)\.log(\.1)?$/.exec(f);
    if (m?.[1] && m[1].startsWith(prefix)) names.add(m[1]);
  }
  return [...names];
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** A runc v2 shim process of ours, found by its command line. */
export interface ShimProcess {
  pid: number;
  id: string;
}

/** Pure. The `-namespace`, `-id` and `-address` arguments of a shim command line (NUL-separated). */
export function parseShimCmdline(cmdline: string): { namespace: string; id: string; address: string } | undefined {
  const args = cmdline.split('\0').filter(Boolean);
  if (!args[0]?.endsWith('containerd-shim-runc-v2')) return undefined;
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] ?? '' : '';
  };
  return { namespace: value('-namespace'), id: value('-id'), address: value('-address') };
}

/** Shims of our namespace and daemon whose id has `prefix` (from /proc; [] when unreadable). */
export async function ourShims(ctx: AdapterContext, prefix: string, procDir = '/proc'): Promise<ShimProcess[]> {
  const out: ShimProcess[] = [];
  for (const entry of await readdirOrEmpty(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    const shim = parseShimCmdline(await readFile(join(procDir, entry, 'cmdline'), 'utf8').catch(() => ''));
    if (shim && shim.namespace === ctx.namespace && shim.address === ctx.client.socket && shim.id.startsWith(prefix)) out.push({ pid: Number(entry), id: shim.id });
  }
  return out;
}
