/**
 * `importImageArchive`: loads an OCI-layout or docker-archive tar into containerd without a
 * registry (replaces `ctr images import`): blobs streamed from the file into the content store
 * with digest checks, GC labels, unpack, one image record per name. Same lease discipline as
 * a pull: on failure nothing half-written and no record remain.
 */
import { createReadStream } from 'node:fs';
import { AgentError } from '../../errors.js';
import type { PullProgress } from '../container-runtime.js';
import { ContainerdClient } from '../containerd/client.js';
import { type AdapterLogger, silentLogger } from '../containerd/options.js';
import { planArchive, readPlanBlob, type ArchivePlan } from './archive-layout.js';
import { abortIngest, setContentLabels } from './content-store.js';
import { writeBlob } from './content-writer.js';
import { checkManifest, diffIdsOf, parseJson, type Descriptor, type ImageConfig, type ImageIndex, type Platform } from './descriptor.js';
import { verifyDigest } from './digest-verifier.js';
import { putImageRecord } from './image-record.js';
import { createLease, deleteLease } from './lease.js';
import { isIndexType } from './media-types.js';
import { DEFAULT_PLATFORM, selectManifest } from './platform.js';
import { ProgressTracker } from './progress.js';
import { mapStoreError } from './store-errors.js';
import { unpackLayers } from './unpack.js';

export interface ImportOptions {
  /** containerd namespace to import into (ignored when `client` is given). */
  namespace: string;
  /** @default /run/containerd/containerd.sock */
  socket?: string | undefined;
  /** An existing client (its namespace is used). */
  client?: ContainerdClient | undefined;
  /** @default overlayfs */
  snapshotter?: string | undefined;
  /** Name for images the archive does not name. */
  name?: string | undefined;
  platform?: Platform | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: PullProgress) => void) | undefined;
  log?: AdapterLogger | undefined;
}

export interface ImportedImage {
  names: string[];
  digest: string;
  chainId: string;
}

/** Imports every image of the archive. Throws INVALID_ARGUMENT for a bad archive, else like a pull. */
export async function importImageArchive(tarPath: string, opts: ImportOptions): Promise<ImportedImage[]> {
  const client = opts.client ?? new ContainerdClient({ socket: opts.socket ?? '/run/containerd/containerd.sock', namespace: opts.namespace });
  try {
    const plan = await planArchive(tarPath, opts.name);
    const out: ImportedImage[] = [];
    for (const image of plan.images) {
      if (image.names.length === 0) throw new AgentError('INVALID_ARGUMENT', `${tarPath}: image ${image.target.digest} has no name in the archive; give one (--name)`, { step: 'import' });
      out.push(await importOne(client, plan, image.names, image.target, opts));
      (opts.log ?? silentLogger).info({ names: image.names, digest: image.target.digest }, 'image imported');
    }
    return out;
  } finally {
    if (!opts.client) client.close();
  }
}

interface Run { client: ContainerdClient; plan: ArchivePlan; lease: string; signal?: AbortSignal | undefined; refs: Set<string>; progress: ProgressTracker }

async function importOne(client: ContainerdClient, plan: ArchivePlan, names: string[], target: Descriptor, opts: ImportOptions): Promise<ImportedImage> {
  const lease = await createLease(client, { kind: 'import', signal: opts.signal });
  const progress = new ProgressTracker();
  progress.listen(opts.onProgress);
  const run: Run = { client, plan, lease, signal: opts.signal, refs: new Set(), progress };
  try {
    let manifestDesc = target;
    if (isIndexType(target.mediaType)) {
      const index = parseJson<ImageIndex>(await readPlanBlob(plan, target.digest), `index ${target.digest}`);
      await store(run, 'index', target, Object.fromEntries(index.manifests.map((m, i) => [`containerd.io/gc.ref.content.m.${i}`, m.digest])));
      manifestDesc = selectManifest(index, opts.platform ?? DEFAULT_PLATFORM, `${plan.path}`);
    }
    const manifest = checkManifest(parseJson(await readPlanBlob(plan, manifestDesc.digest), `manifest ${manifestDesc.digest}`), `${plan.path}: manifest ${manifestDesc.digest}`);
    const labels: Record<string, string> = { 'containerd.io/gc.ref.content.config': manifest.config.digest };
    manifest.layers.forEach((l, i) => { labels[`containerd.io/gc.ref.content.l.${i}`] = l.digest; });
    await store(run, 'manifest', manifestDesc, labels);
    await store(run, 'config', manifest.config, {});
    const diffIds = diffIdsOf(parseJson<ImageConfig>(await readPlanBlob(plan, manifest.config.digest), 'config'), manifest.layers.length, plan.path);
    for (const l of manifest.layers) progress.addTotal(l.size);
    const chainId = await unpackLayers(client, {
      snapshotter: opts.snapshotter ?? 'overlayfs', layers: manifest.layers, diffIds, configDigest: manifest.config.digest, lease, signal: opts.signal,
      ensureLayer: (i) => store(run, 'layer', manifest.layers[i]!, {}),
    });
    for (const name of names) await putImageRecord(client, name, target);
    progress.flush();
    await deleteLease(client, lease, false);
    return { names, digest: target.digest, chainId };
  } catch (err) {
    await Promise.all([...run.refs].map((r) => abortIngest(client, r)));
    await deleteLease(client, lease, true).catch(() => undefined);
    throw mapStoreError(err, names[0]!, opts.signal);
  }
}

/** Streams one blob of the archive into the content store (verified), with labels. */
async function store(run: Run, kind: string, d: Descriptor, labels: Record<string, string>): Promise<void> {
  const src = run.plan.blobs.get(d.digest);
  if (!src) throw new AgentError('INVALID_ARGUMENT', `${run.plan.path}: blob ${d.digest} is missing from the archive`, { step: 'import' });
  const ingest = `${kind}-${d.digest}`;
  run.refs.add(ingest);
  const what = `${kind} ${d.digest} in ${run.plan.path}`;
  const result = await writeBlob(run.client, { ref: ingest, digest: d.digest, size: d.size, labels, lease: run.lease, signal: run.signal, onBytes: (n) => { if (kind === 'layer') run.progress.advance(n); } },
    async (offset) => {
      if (src.bytes) return { offset: 0, close: () => undefined, chunks: verifyDigest((async function* () { yield src.bytes!; })(), d, what) };
      const e = src.entry!;
      if (offset >= e.size) return { offset, close: () => undefined, chunks: verifyDigest((async function* () { /* nothing left */ })(), d, what, offset) };
      const stream = createReadStream(run.plan.path, { start: e.offset + offset, end: e.offset + e.size - 1, highWaterMark: 1 << 20 });
      return { offset, close: () => stream.destroy(), chunks: verifyDigest(stream as AsyncIterable<Buffer>, d, what, offset) };
    });
  run.refs.delete(ingest);
  if (result === 'exists' && Object.keys(labels).length) await setContentLabels(run.client, d.digest, labels, { lease: run.lease, signal: run.signal });
}
