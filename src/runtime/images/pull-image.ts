/**
 * One registry pull into containerd: under a lease,
 * root manifest (and index) → platform manifest → config → layers streamed into the content
 * store with digest checks → unpack → image record → lease released. On failure the partial
 * ingests are aborted and the lease is deleted with `sync`, so nothing half-written remains and
 * no image record is ever created for a failed pull.
 */
import { AgentError } from '../../errors.js';
import type { ContainerdClient } from '../containerd/client.js';
import type { AdapterLogger } from '../containerd/options.js';
import { abortIngest, contentInfo, readContent, setContentLabels } from './content-store.js';
import { writeBlob } from './content-writer.js';
import { checkManifest, diffIdsOf, parseJson, type Descriptor, type ImageConfig, type ImageIndex } from './descriptor.js';
import { verifyDigest } from './digest-verifier.js';
import { putImageRecord } from './image-record.js';
import { createLease, deleteLease } from './lease.js';
import { isIndexType, sniffManifestType } from './media-types.js';
import { selectManifest } from './platform.js';
import type { ProgressTracker } from './progress.js';
import { mapStoreError } from './store-errors.js';
import { hostnameOf, manifestReference, type ImageReference } from './reference.js';
import type { RegistryClient } from './registry-client.js';
import { DEFAULT_RETRY, isTransientNetworkError, withRetry } from './retry.js';
import { unpackLayers } from './unpack.js';
import type { Platform } from './descriptor.js';

export interface PullDeps {
  client: ContainerdClient;
  registry: RegistryClient;
  snapshotter: string;
  platform: Platform;
  log: AdapterLogger;
  /** Blob writes in flight in this namespace, shared across pulls of different tags. */
  inflightBlobs: Map<string, Promise<unknown>>;
}

export interface PullOutcome {
  name: string;
  /** The root descriptor (index or manifest) the record points at. */
  target: Descriptor;
  chainId: string;
  /** Bytes really downloaded. */
  fetchedBytes: number;
}

interface PullRun {
  deps: PullDeps;
  ref: ImageReference;
  lease: string;
  signal?: AbortSignal | undefined;
  progress: ProgressTracker;
  refs: Set<string>;
  fetched: number;
}

/** Pulls `ref` into containerd and unpacks it. Throws the clear errors of pull-errors.ts. */
export async function pullImage(deps: PullDeps, ref: ImageReference, opts: { signal?: AbortSignal | undefined; progress: ProgressTracker }): Promise<PullOutcome> {
  const lease = await createLease(deps.client, { signal: opts.signal });
  const run: PullRun = { deps, ref, lease, signal: opts.signal, progress: opts.progress, refs: new Set(), fetched: 0 };
  try {
    const out = await pullUnderLease(run);
    await deleteLease(deps.client, lease, false);
    return out;
  } catch (err) {
    await Promise.all([...run.refs].map((r) => abortIngest(deps.client, r)));
    await deleteLease(deps.client, lease, true).catch((e: unknown) => deps.log.warn({ err: e, lease }, 'deleting the lease of a failed pull failed'));
    throw mapStoreError(err, ref.name, opts.signal);
  }
}

async function pullUnderLease(run: PullRun): Promise<PullOutcome> {
  const { deps, ref } = run;
  const root = await deps.registry.getManifest(ref, manifestReference(ref), { signal: run.signal, expectDigest: ref.digest });
  const rootBody = parseJson<Record<string, unknown>>(root.bytes, `manifest of "${ref.name}"`);
  const target: Descriptor = { mediaType: sniffManifestType(rootBody, root.mediaType), digest: root.digest, size: root.bytes.length };
  let manifestDesc = target;
  let manifestBytes = root.bytes;
  if (isIndexType(target.mediaType)) {
    const index = rootBody as unknown as ImageIndex;
    if (!Array.isArray(index.manifests)) throw new AgentError('INTERNAL', `index of "${ref.name}" has no manifests`, { step: 'pullImage' });
    const labels = Object.fromEntries(index.manifests.map((m, i) => [`containerd.io/gc.ref.content.m.${i}`, m.digest]));
    await storeSmallBlob(run, 'index', target, root.bytes, labels);
    manifestDesc = selectManifest(index, deps.platform, `image "${ref.name}"`);
    manifestBytes = await smallBlobBytes(run, manifestDesc, () =>
      deps.registry.getManifest(ref, manifestDesc.digest, { signal: run.signal, expectDigest: manifestDesc.digest, accept: `${manifestDesc.mediaType}, */*` }).then((m) => m.bytes));
  }
  const manifest = checkManifest(parseJson(manifestBytes, `manifest ${manifestDesc.digest}`), `manifest ${manifestDesc.digest} of "${ref.name}"`);
  const mLabels: Record<string, string> = { 'containerd.io/gc.ref.content.config': manifest.config.digest };
  manifest.layers.forEach((l, i) => { mLabels[`containerd.io/gc.ref.content.l.${i}`] = l.digest; });
  await storeSmallBlob(run, 'manifest', manifestDesc, manifestBytes, mLabels);
  const configBytes = await smallBlobBytes(run, manifest.config, () => fetchSmallBlob(run, manifest.config));
  await storeSmallBlob(run, 'config', manifest.config, configBytes, {});
  const diffIds = diffIdsOf(parseJson<ImageConfig>(configBytes, `config ${manifest.config.digest}`), manifest.layers.length, `image "${ref.name}"`);
  for (const l of manifest.layers) if (!(await contentInfo(deps.client, l.digest, { signal: run.signal }))) run.progress.addTotal(l.size);
  run.progress.flush();
  const chainId = await unpackLayers(deps.client, {
    snapshotter: deps.snapshotter, layers: manifest.layers, diffIds, configDigest: manifest.config.digest, lease: run.lease, signal: run.signal,
    ensureLayer: (i) => fetchLayer(run, manifest.layers[i]!),
  });
  await putImageRecord(deps.client, ref.name, target);
  run.progress.flush();
  return { name: ref.name, target, chainId, fetchedBytes: run.fetched };
}

/** Bytes of a small blob: from the content store when present, else from `fetch`. */
async function smallBlobBytes(run: PullRun, d: Descriptor, fetch: () => Promise<Buffer>): Promise<Buffer> {
  if (await contentInfo(run.deps.client, d.digest, { signal: run.signal })) return readContent(run.deps.client, d.digest, { signal: run.signal });
  return fetch();
}

/** Downloads a small blob (config) into memory, verified. */
async function fetchSmallBlob(run: PullRun, d: Descriptor): Promise<Buffer> {
  if (d.size > 16 * 1024 * 1024) throw new AgentError('INTERNAL', `config ${d.digest} of "${run.ref.name}" is ${d.size} bytes`, { step: 'pullImage' });
  const blob = await run.deps.registry.openBlob(run.ref, d.digest, { signal: run.signal });
  const parts: Buffer[] = [];
  for await (const c of verifyDigest(blob.body, d, `config ${d.digest} of "${run.ref.name}"`)) parts.push(c);
  run.fetched += d.size;
  return Buffer.concat(parts);
}

/** Writes a small in-memory blob with labels (labels set explicitly when it already existed). */
async function storeSmallBlob(run: PullRun, kind: string, d: Descriptor, bytes: Buffer, labels: Record<string, string>): Promise<void> {
  const ingest = `${kind}-${d.digest}`;
  run.refs.add(ingest);
  const result = await writeBlob(run.deps.client, { ref: ingest, digest: d.digest, size: d.size, labels, lease: run.lease, signal: run.signal },
    async () => ({ offset: 0, close: () => undefined, chunks: (async function* () { yield bytes; })() }));
  run.refs.delete(ingest);
  if (result === 'exists') await setContentLabels(run.deps.client, d.digest, labels, { lease: run.lease, signal: run.signal });
}

/**
 * Streams a layer from the registry into the content store, verified while streaming,
 * resuming the ingest on transient failures. A write of the same blob by another pull in this
 * namespace is awaited first; then our own write finds it present (and leases it).
 */
async function fetchLayer(run: PullRun, d: Descriptor): Promise<void> {
  const other = run.deps.inflightBlobs.get(d.digest);
  if (other) await other.catch(() => undefined);
  const mine = withRetry(() => writeLayerOnce(run, d), {
    policy: DEFAULT_RETRY, signal: run.signal,
    shouldRetry: (err) => !run.signal?.aborted && (isTransientNetworkError(err) || (err instanceof AgentError && err.code === 'UNAVAILABLE' && /locked/.test(err.message))),
    onRetry: (err, attempt) => run.deps.log.warn({ err, digest: d.digest, attempt }, 'layer download interrupted; resuming'),
  });
  run.deps.inflightBlobs.set(d.digest, mine);
  try {
    await mine;
  } finally {
    if (run.deps.inflightBlobs.get(d.digest) === mine) run.deps.inflightBlobs.delete(d.digest);
  }
}

async function writeLayerOnce(run: PullRun, d: Descriptor): Promise<void> {
  const ingest = `layer-${d.digest}`;
  run.refs.add(ingest);
  const what = `layer ${d.digest} of "${run.ref.name}"`;
  const labels = { [`containerd.io/distribution.source.${hostnameOf(run.ref.domain)}`]: run.ref.repository };
  await writeBlob(run.deps.client, {
    ref: ingest, digest: d.digest, size: d.size, labels, lease: run.lease, signal: run.signal,
    onBytes: (n) => { run.fetched += n; run.progress.advance(n); },
  }, async (offset) => {
    const blob = await run.deps.registry.openBlob(run.ref, d.digest, { signal: run.signal, offset });
    return { offset: blob.offset, close: blob.destroy, chunks: verifyDigest(blob.body, d, what, blob.offset) };
  });
  run.refs.delete(ingest);
}
