/**
 * Create (contract §2.2 Ensure steps 2–6, without their bugs): under a lease, the rootfs
 * snapshot is prepared from the image's chain id, the spec is generated, the container record
 * is written, and (netns mode `task`) the task is created with its stdio in a log file. Any
 * failure or abort rolls everything back with a context detached from the caller's signal.
 */
import { mkdir } from 'node:fs/promises';
import { AgentError } from '../../errors.js';
import type { WorkerSpec } from '../container-runtime.js';
import { type AdapterContext, createLeaseId, rfc3339, SPEC_TYPE_URL } from './adapter-context.js';
import { isAlreadyExists, isNotFound } from './grpc-errors.js';
import { createNetns, netnsPath, readRootfsFile, workerLogPath, writeResolvConf } from './host-files.js';
import { buildOciSpec, type ProcessUser, resolveUser } from './oci-spec.js';
import { DEFAULT_RUNTIME } from './options.js';
import { encodeAny } from './proto.js';
import type { ResolvedImage } from './image-store.js';

export interface Mount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

/** How long the create lease lives if the agent dies mid-create. */
const LEASE_TTL_MS = 60 * 60 * 1000;

/**
 * Creates the container (and, in `task` mode, its task). Throws AgentError; on failure nothing
 * of this worker is left, except when the name already existed (ALREADY_EXISTS: not ours to remove).
 * `rollback` is the adapter's idempotent remove.
 */
export async function createWorker(
  ctx: AdapterContext,
  spec: WorkerSpec,
  signal: AbortSignal | undefined,
  rollback: (name: string) => Promise<void>,
): Promise<void> {
  const name = spec.name;
  const lease = createLeaseId(name);
  signal?.throwIfAborted();
  // The lease and the image lookup are independent: run them together.
  const leaseP = ctx.client
    .call('leases', 'Create', { id: lease, labels: { 'containerd.io/gc.expire': rfc3339(ctx.now() + LEASE_TTL_MS) } }, { what: name })
    .catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
  const imageP = ctx.images.resolve(spec.image, signal);
  const [leaseR, imageR] = await Promise.allSettled([leaseP, imageP]);
  if (leaseR.status === 'rejected') throw leaseR.reason;
  let owned = false;
  try {
    if (imageR.status === 'rejected') throw imageR.reason;
    const image = imageR.value;
    signal?.throwIfAborted();
    // Mutating calls are never cancelled mid-flight (the daemon could finish them after our
    // rollback); the signal is checked between steps instead.
    const [mounts, resolvConfPath] = await Promise.all([
      prepareSnapshot(ctx, name, image, lease),
      writeResolvConf(ctx.resolvDir, name, ctx.dnsServer),
    ]);
    owned = true;
    const user = await imageUser(image, mounts);
    const netns = ctx.netnsMode === 'precreated' ? await createNetns(name) : undefined;
    const oci = buildOciSpec({
      id: name,
      namespace: ctx.namespace,
      image: image.config,
      env: spec.env,
      memoryLimitBytes: spec.memoryLimitBytes,
      resolvConfPath,
      netnsPath: netns,
      user,
    });
    signal?.throwIfAborted();
    await ctx.client.call('containers', 'Create', { container: containerRecord(ctx, spec, image, oci) }, { lease, what: name });
    signal?.throwIfAborted();
    if (ctx.netnsMode === 'task') await createTask(ctx, name, mounts);
    signal?.throwIfAborted();
  } catch (err) {
    const e =
      err instanceof AgentError
        ? err
        : signal?.aborted
          ? new AgentError('CANCELLED', `create of ${name} cancelled`, { cause: err, step: 'create' })
          : abortOrInternal(err, name);
    if (owned || !isAlreadyExists(e)) await rollbackQuietly(ctx, name, rollback);
    throw e;
  } finally {
    await ctx.client.call('leases', 'Delete', { id: lease }, { what: name }).catch(() => undefined);
  }
}

async function prepareSnapshot(ctx: AdapterContext, name: string, image: ResolvedImage, lease: string): Promise<Mount[]> {
  try {
    const res = await ctx.client.call<{ mounts: Mount[] }>(
      'snapshots',
      'Prepare',
      { snapshotter: ctx.snapshotter, key: name, parent: image.chainId, labels: {} },
      { lease, what: name },
    );
    return res.mounts;
  } catch (err) {
    if (isNotFound(err)) {
      throw new AgentError(
        'FAILED_PRECONDITION',
        `image "${image.name}" is not unpacked for snapshotter ${ctx.snapshotter} in namespace "${ctx.namespace}"`,
        { cause: err, step: 'create' },
      );
    }
    if (isAlreadyExists(err)) throw new AgentError('ALREADY_EXISTS', `a snapshot named ${name} already exists`, { cause: err, step: 'create' });
    throw err;
  }
}

async function imageUser(image: ResolvedImage, mounts: Mount[]): Promise<ProcessUser | undefined> {
  const u = image.config.user?.trim();
  if (!u) return undefined;
  if (/^\d+:\d+$/.test(u)) {
    const [uid, gid] = u.split(':').map(Number) as [number, number];
    return { uid, gid, additionalGids: [gid] };
  }
  const [passwd, group] = await Promise.all([readRootfsFile(mounts, 'etc/passwd'), readRootfsFile(mounts, 'etc/group')]);
  try {
    return resolveUser(u, passwd, group);
  } catch (err) {
    throw new AgentError('INVALID_ARGUMENT', `image "${image.name}" user "${u}": ${(err as Error).message}`, { step: 'create' });
  }
}

function containerRecord(ctx: AdapterContext, spec: WorkerSpec, image: ResolvedImage, oci: object): object {
  const runtime: Record<string, unknown> = { name: ctx.runtimeName };
  if (ctx.runtimeName === DEFAULT_RUNTIME) runtime['options'] = encodeAny('containerd.runc.v1.Options', {});
  return {
    id: spec.name,
    labels: { ...spec.labels },
    image: image.name,
    runtime,
    spec: { type_url: SPEC_TYPE_URL, value: Buffer.from(JSON.stringify(oci)) },
    snapshotter: ctx.snapshotter,
    snapshot_key: spec.name,
  };
}

/** Tasks.Create with stdout+stderr appended by the shim to the worker's log file. Not cancellable mid-flight. */
export async function createTask(ctx: AdapterContext, name: string, mounts: Mount[]): Promise<number> {
  await mkdir(ctx.logDir, { recursive: true, mode: 0o755 });
  const uri = `file://${workerLogPath(ctx.logDir, name)}`;
  const res = await ctx.client.call<{ pid: number }>(
    'tasks',
    'Create',
    { container_id: name, rootfs: mounts.map((m) => ({ type: m.type, source: m.source, options: m.options })), stdin: '', stdout: uri, stderr: uri, terminal: false },
    { timeoutMs: ctx.taskTimeoutMs, what: name },
  );
  return res.pid;
}

/** Mounts of the worker's prepared snapshot (for a task created at start). */
export async function snapshotMounts(ctx: AdapterContext, name: string, signal?: AbortSignal): Promise<Mount[]> {
  const res = await ctx.client.call<{ mounts: Mount[] }>('snapshots', 'Mounts', { snapshotter: ctx.snapshotter, key: name }, { signal, what: name });
  return res.mounts;
}

/** Path of the worker's network namespace, by mode. */
export function workerNetnsPath(ctx: AdapterContext, name: string, pid: number | undefined): string {
  if (ctx.netnsMode === 'precreated') return netnsPath(name);
  return pid ? `/proc/${pid}/ns/net` : '';
}

async function rollbackQuietly(ctx: AdapterContext, name: string, rollback: (name: string) => Promise<void>): Promise<void> {
  try {
    await rollback(name);
  } catch (err) {
    ctx.log.warn({ err, name }, 'rollback of a failed create left something behind');
  }
}

function abortOrInternal(err: unknown, name: string): AgentError {
  if (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')) {
    return new AgentError('CANCELLED', `create of ${name} cancelled`, { cause: err, step: 'create' });
  }
  return new AgentError('INTERNAL', `create of ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, step: 'create' });
}
