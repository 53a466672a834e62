/**
 * Start-up recovery for the containerd adapter. After a crash (kill -9, power loss) the agent may
 * have left, for names with our `{brand}-{env}-` prefix: containers created but never started
 * (no task, or task CREATED), containers without a network, tasks without a container, CNI
 * result-cache entries and host-local IP leases without a container, snapshots without a
 * container, create/pull leases, netns files and per-worker files. Each is removed and reported.
 *
 * Other envs of the same brand share the namespace and the CNI network, so "without a container"
 * always means: no container of that id in the whole namespace. Caches and IP leases are read
 * BEFORE the containers are listed, so an attachment another agent makes meanwhile belongs to a
 * container the list already shows.
 */
import { rm, stat } from 'node:fs/promises';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { readCacheEntry, type CacheEntry } from '../runtime/cni/result-cache.js';
import { createLeaseId, SPEC_TYPE_URL, type AdapterContext } from '../runtime/containerd/adapter-context.js';
import { isNotFound } from '../runtime/containerd/grpc-errors.js';
import { deleteNetns, removeWorkerFiles } from '../runtime/containerd/host-files.js';
import { getTask, stopTask, type TaskProcess } from '../runtime/containerd/task-control.js';
import {
  type IpamLease, type LeaseRecord, listLeases, listSnapshotKeys, ourShims, listTasks, namespaceContainerIds, ourCacheEntries, ourIpamLeases, ourNetns, ourWorkerFiles,
} from './containerd-scan.js';
import { removeLeftoverContainer } from './generic-recovery.js';
import type { CleanupOptions, Leftover, LeftoverKind, RecoverableRuntime, RuntimeInventory } from './recoverable-runtime.js';

export interface ContainerdRecoveryOptions {
  /** `{brand}-{env}-`: only names with this prefix are ours. */
  namePrefix: string;
  /** Epoch ms this agent process started: pull/import leases older than it are a dead agent's. */
  startedAt: number;
}

type Step = (kind: LeftoverKind, id: string, reason: string, fn: () => Promise<unknown>) => Promise<void>;

/** Leases our puller and importer create (`esb-pull-…`, `esb-import-…`). */
const PULL_LEASE = /^esb-(pull|import)-/;

export class ContainerdRecovery implements RecoverableRuntime {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly ctx: AdapterContext,
    private readonly opts: ContainerdRecoveryOptions,
  ) {}

  async inventory(o: { signal?: AbortSignal | undefined } = {}): Promise<RuntimeInventory> {
    const p = this.opts.namePrefix;
    const [containers, tasks, snapshots, leases, cache, ipam, netns, files] = await Promise.all([
      this.runtime.list({ signal: o.signal }),
      listTasks(this.ctx, o.signal),
      listSnapshotKeys(this.ctx, o.signal),
      listLeases(this.ctx, o.signal),
      ourCacheEntries(this.ctx, p),
      ourIpamLeases(this.ctx, p),
      ourNetns(p),
      ourWorkerFiles(this.ctx, p),
    ]);
    const ours = (ids: string[]) => ids.filter((id) => id.startsWith(p));
    return {
      containers,
      resources: {
        task: ours(tasks.map((t) => t.id || t.container_id || '')),
        snapshot: ours(snapshots),
        lease: leases.map((l) => l.id).filter((id) => id.startsWith(createLeaseId(p)) || PULL_LEASE.test(id)),
        'cni-attachment': cache.map((e) => e.containerId),
        'ipam-lease': ipam.map((l) => `${l.ip} ${l.containerId}`),
        netns,
        'worker-files': files,
      },
    };
  }

  async cleanupLeftovers(opts: CleanupOptions): Promise<Leftover[]> {
    const p = this.opts.namePrefix;
    const cache = await ourCacheEntries(this.ctx, p);
    const ipam = await ourIpamLeases(this.ctx, p);
    const out: Leftover[] = [];
    for (const c of (await this.runtime.list({ signal: opts.signal })).filter((x) => x.incomplete)) {
      out.push(await removeLeftoverContainer(this.runtime, c, opts));
    }
    const createPrefix = createLeaseId(p);
    await this.removeOrphans(out, { cache, ipam, ours: (id) => id.startsWith(p), lease: (l) => l.id.startsWith(createPrefix) || this.deadPull(l) }, opts.signal);
    return out;
  }

  /**
   * After the cleanup removed half-made containers, containerd may still be finishing a call the
   * dead agent made (a task create that outlived its client): waits while such a task create is
   * visibly in flight (its bundle folder exists and no task yet), at most `maxWaitMs`, then
   * removes whatever of exactly these names appeared meanwhile.
   */
  async settle(names: readonly string[], opts: CleanupOptions & { maxWaitMs?: number | undefined }): Promise<Leftover[]> {
    if (names.length === 0) return [];
    const set = new Set(names);
    const deadline = this.ctx.now() + (opts.maxWaitMs ?? 30_000);
    for (;;) {
      const tasks = new Set((await listTasks(this.ctx, opts.signal)).map((t) => t.id || t.container_id || ''));
      const inFlight = await Promise.all(names.map(async (n) => !tasks.has(n) && (await exists(taskBundle(this.ctx.namespace, n)))));
      if (!inFlight.some(Boolean) || this.ctx.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const out: Leftover[] = [];
    for (const c of (await this.runtime.list({ signal: opts.signal })).filter((x) => set.has(x.name))) {
      out.push(await removeLeftoverContainer(this.runtime, c, opts));
    }
    const p = this.opts.namePrefix;
    const cache = await ourCacheEntries(this.ctx, p);
    const ipam = await ourIpamLeases(this.ctx, p);
    await this.removeOrphans(out, { cache, ipam, ours: (id) => set.has(id), lease: (l) => names.some((n) => l.id === createLeaseId(n)), inFlightToo: true }, opts.signal);
    return out;
  }

  /** Tasks, CNI state, snapshots, leases, netns and files of `ours` names that have no container record. */
  private async removeOrphans(
    out: Leftover[],
    o: { cache: CacheEntry[]; ipam: IpamLease[]; ours: (id: string) => boolean; lease: (l: LeaseRecord) => boolean; inFlightToo?: boolean },
    signal?: AbortSignal,
  ): Promise<void> {
    const live = await namespaceContainerIds(this.ctx, signal);
    const orphan = (id: string) => o.ours(id) && !live.has(id);
    const step = async (kind: LeftoverKind, id: string, reason: string, fn: () => Promise<unknown>) => {
      const item: Leftover = { kind, id, reason };
      try {
        await fn();
      } catch (err) {
        if (!isNotFound(err)) item.error = err instanceof Error ? err.message : String(err);
      }
      out.push(item);
    };
    const tasks = await listTasks(this.ctx, signal);
    for (const t of tasks) {
      const id = t.id || t.container_id || '';
      if (orphan(id)) await step('task', id, `task ${t.status} without a container`, () => this.deleteTask(id));
    }
    await this.removeOrphanShims(tasks, orphan, o.inFlightToo ?? false, step);
    await this.cleanNetwork(o.cache, o.ipam, orphan, step);
    for (const key of await listSnapshotKeys(this.ctx, signal)) {
      if (orphan(key)) await step('snapshot', key, 'snapshot without a container', () => this.ctx.client.call('snapshots', 'Remove', { snapshotter: this.ctx.snapshotter, key }, { what: key }));
    }
    for (const l of await listLeases(this.ctx, signal)) {
      if (!o.lease(l)) continue;
      const create = l.id.startsWith('esb-create-');
      await step('lease', l.id, create ? 'create lease of an interrupted create' : 'pull/import lease of an agent that is gone',
        () => this.ctx.client.call('leases', 'Delete', { id: l.id }, { what: l.id }));
    }
    const p = this.opts.namePrefix;
    for (const name of await ourNetns(p)) if (orphan(name)) await step('netns', name, 'netns without a container', () => deleteNetns(name));
    for (const name of await ourWorkerFiles(this.ctx, p)) {
      if (orphan(name)) await step('worker-files', name, 'resolv.conf/log without a container', () => removeWorkerFiles(this.ctx.resolvDir, this.ctx.logDir, name));
    }
  }

  /**
   * A task create that outlived its client can leave a shim containerd has no task for: shims of
   * orphan names without a task are killed by PID (those of creates still visibly in flight only
   * when `inFlightToo`, i.e. in the settle pass after waiting for them).
   */
  private async removeOrphanShims(tasks: TaskProcess[], orphan: (id: string) => boolean, inFlightToo: boolean, step: Step): Promise<void> {
    const known = new Set(tasks.map((t) => t.id || t.container_id || ''));
    for (const shim of await ourShims(this.ctx, this.opts.namePrefix)) {
      if (!orphan(shim.id) || known.has(shim.id)) continue;
      if (!inFlightToo && (await exists(taskBundle(this.ctx.namespace, shim.id)))) continue;
      await step('shim', `${shim.id} (pid ${shim.pid})`, 'shim without a task or container', async () => killGone(shim.pid));
    }
  }

  /** A pull/import lease made by an agent process that started before this one. */
  private deadPull(l: LeaseRecord): boolean {
    return PULL_LEASE.test(l.id) && l.createdAt > 0 && l.createdAt < this.opts.startedAt;
  }

  /** CNI DEL with the cached result for cache entries without a container, then DEL by id for bare IP leases. */
  private async cleanNetwork(
    cache: Awaited<ReturnType<typeof ourCacheEntries>>,
    ipam: Awaited<ReturnType<typeof ourIpamLeases>>,
    orphan: (id: string) => boolean,
    step: (kind: LeftoverKind, id: string, reason: string, fn: () => Promise<unknown>) => Promise<void>,
  ): Promise<void> {
    const net = this.ctx.network;
    for (const e of cache) {
      if (!orphan(e.containerId)) continue;
      if (!(await readCacheEntry(this.ctx.cni.cacheDir, net.name, e.containerId, e.ifName))) continue; // removed with its container
      await step('cni-attachment', e.containerId, 'CNI result cached without a container (DEL with the cached result)',
        () => this.ctx.cni.del(net, { containerId: e.containerId, netns: '', ifName: e.ifName }));
    }
    for (const l of ipam) {
      if (!orphan(l.containerId) || !(await exists(l.file))) continue;
      await step('ipam-lease', `${l.ip} ${l.containerId}`, 'IP lease without a container (DEL without a cached result)', async () => {
        await this.ctx.cni.del(net, { containerId: l.containerId, netns: '', ifName: l.ifName ?? this.ctx.ifName });
        if (await exists(l.file)) await rm(l.file, { force: true });
      });
    }
  }

  /**
   * Kills (SIGKILL, thawing first) and deletes a task whose container record is gone. containerd
   * reaches a task only through its container record, so a temporary record with the same id is
   * written first and removed afterwards. Throws when the task is still there.
   */
  private async deleteTask(id: string): Promise<void> {
    const record = { id, labels: {}, runtime: { name: this.ctx.runtimeName }, spec: { type_url: SPEC_TYPE_URL, value: Buffer.from('{}') } };
    await this.ctx.client.call('containers', 'Create', { container: record }, { what: id });
    try {
      await stopTask(this.ctx, id, 0);
      await this.ctx.client.call('tasks', 'Delete', { container_id: id }, { what: id }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      if (await getTask(this.ctx, id)) throw new Error(`task ${id} is still there after delete`);
    } finally {
      await this.ctx.client.call('containers', 'Delete', { id }, { what: id }).catch(() => undefined);
    }
  }
}

/** SIGKILL; a process that is already gone is fine. */
function killGone(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** containerd's (default state dir) bundle folder of a task; it exists from the start of a task create until the task is deleted. */
function taskBundle(namespace: string, id: string): string {
  return `/run/containerd/io.containerd.runtime.v2.task/${namespace}/${id}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
