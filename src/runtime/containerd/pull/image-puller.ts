/**
 * Pulls an image from a registry into containerd (no Transfer service in 1.6, so the client
 * does it, as Go's Pull does): under a lease, the root (index → linux/<arch> manifest), the
 * manifest, the config and the missing layers are streamed into the content store with their GC
 * labels, layers are unpacked by chain id (a layer whose chain exists is not even downloaded),
 * and the image record is created or updated. Concurrent pulls of one reference share one run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AgentError } from '../../../errors.js';
import type { PullProgress } from '../../container-runtime.js';
import { rfc3339 } from '../adapter-context.js';
import type { ContainerdClient } from '../client.js';
import { isAlreadyExists } from '../grpc-errors.js';
import { goArch } from '../image-ref.js';
import type { LayerDescriptor } from '../image-store.js';
import { writeBlob } from './content-writer.js';
import { digestError, type RegistryClient, type RemoteDescriptor } from './registry-client.js';
import { parseRegistryRef, type RegistryRef } from './registry-ref.js';
import { unpackLayers } from './unpacker.js';

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

export interface PullResult {
  name: string;
  digest: string;
  /** Bytes downloaded (0 when everything was already there). */
  downloadedBytes: number;
}

export interface PullOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: PullProgress) => void) | undefined;
}

interface Listener {
  onProgress?: ((p: PullProgress) => void) | undefined;
}

export class ImagePuller {
  private readonly inflight = new Map<string, { promise: Promise<PullResult>; listeners: Set<Listener> }>();

  constructor(
    private readonly client: ContainerdClient,
    private readonly registry: RegistryClient,
    private readonly snapshotter: string,
    private readonly now: () => number,
    private readonly arch = goArch(process.arch),
  ) {}

  /**
   * Pulls `ref` (joins a pull of the same reference already running). Throws AgentError:
   * NOT_FOUND naming the reference and registry, PERMISSION_DENIED, UNAVAILABLE, digest
   * mismatch (INTERNAL), RESOURCE_EXHAUSTED (disk full). A failed pull leaves no image record;
   * its content is left to containerd's GC through the deleted lease.
   */
  pull(ref: string, opts: PullOptions = {}): Promise<PullResult> {
    const parsed = parseRegistryRef(ref);
    const listener: Listener = { onProgress: opts.onProgress };
    let entry = this.inflight.get(parsed.name);
    if (!entry) {
      const listeners = new Set<Listener>();
      const emit = (p: PullProgress): void => {
        for (const l of listeners) l.onProgress?.(p);
      };
      const promise = this.run(parsed, emit).finally(() => this.inflight.delete(parsed.name));
      entry = { promise, listeners };
      this.inflight.set(parsed.name, entry);
    }
    entry.listeners.add(listener);
    const shared = entry;
    const done = shared.promise.finally(() => shared.listeners.delete(listener));
    if (!opts.signal) return done;
    // One caller giving up does not cancel the shared pull; it only stops waiting.
    return new Promise<PullResult>((resolve, reject) => {
      const onAbort = (): void => reject(new AgentError('CANCELLED', `pull of ${parsed.name} cancelled`, { step: 'pullImage' }));
      if (opts.signal!.aborted) return onAbort();
      opts.signal!.addEventListener('abort', onAbort, { once: true });
      done.then(resolve, reject).finally(() => opts.signal!.removeEventListener('abort', onAbort));
    });
  }

  private async run(ref: RegistryRef, emit: (p: PullProgress) => void): Promise<PullResult> {
    const lease = `esb-pull-${this.now()}-${randomBytes(3).toString('hex')}`;
    await this.client.call('leases', 'Create', { id: lease, labels: { 'containerd.io/gc.expire': rfc3339(this.now() + 24 * 3600_000) } }, { what: ref.name });
    try {
      return await this.fetchAndUnpack(ref, lease, emit);
    } finally {
      await this.client.call('leases', 'Delete', { id: lease }, { what: ref.name }).catch(() => undefined);
    }
  }

  private async fetchAndUnpack(ref: RegistryRef, lease: string, emit: (p: PullProgress) => void): Promise<PullResult> {
    const { desc: resolved, body: rootBody } = await this.registry.resolve(ref);
    let rootBytes = rootBody ?? (await this.registry.manifest(ref, resolved.digest, `${resolved.mediaType}, */*`)).bytes;
    const root: RemoteDescriptor = { ...resolved, size: rootBytes.length };
    let manifestDesc: RemoteDescriptor = root;
    if (INDEX_TYPES.has(root.mediaType)) {
      const index = JSON.parse(rootBytes.toString('utf8')) as { manifests?: Array<RemoteDescriptor & { platform?: { os?: string; architecture?: string } }> };
      const manifests = index.manifests ?? [];
      const labels = Object.fromEntries(manifests.map((m, i) => [`containerd.io/gc.ref.content.m.${i}`, m.digest]));
      await this.storeBytes(ref, lease, `index-${root.digest}`, root, rootBytes, labels);
      const pick = manifests.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === this.arch);
      if (!pick) throw new AgentError('NOT_FOUND', `image "${ref.name}" has no linux/${this.arch} manifest in registry ${ref.host}`, { step: 'pullImage' });
      manifestDesc = pick;
      rootBytes = (await this.registry.manifest(ref, pick.digest, `${pick.mediaType}, */*`)).bytes;
    }
    const manifest = JSON.parse(rootBytes.toString('utf8')) as { config?: RemoteDescriptor; layers?: RemoteDescriptor[] };
    if (!manifest.config?.digest || !manifest.layers?.length) {
      throw new AgentError('INTERNAL', `manifest ${manifestDesc.digest} of "${ref.name}" has no config or no layers`, { step: 'pullImage' });
    }
    const layers: LayerDescriptor[] = manifest.layers.map((l) => ({ media_type: l.mediaType, digest: l.digest, size: Number(l.size) }));
    const mLabels: Record<string, string> = { 'containerd.io/gc.ref.content.config': manifest.config.digest };
    layers.forEach((l, i) => (mLabels[`containerd.io/gc.ref.content.l.${i}`] = l.digest));
    await this.storeBytes(ref, lease, `manifest-${manifestDesc.digest}`, manifestDesc, rootBytes, mLabels);

    const total = manifest.config.size + layers.reduce((a, l) => a + l.size, 0);
    let done = 0;
    let downloaded = 0;
    const progress = (n: number, fetched: boolean): void => {
      done += n;
      if (fetched) downloaded += n;
      emit({ doneBytes: done, totalBytes: total });
    };
    emit({ doneBytes: 0, totalBytes: total });
    const configBytes = await this.fetchBlobBytes(ref, manifest.config);
    await this.storeBytes(ref, lease, `config-${manifest.config.digest}`, manifest.config, configBytes, {});
    progress(manifest.config.size, true);
    const config = JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } };
    await unpackLayers(this.client, {
      snapshotter: this.snapshotter,
      layers,
      diffIds: config.rootfs?.diff_ids ?? [],
      configDigest: manifest.config.digest,
      lease,
      onSkip: (i) => progress(layers[i]!.size, false),
      fetchLayer: (i) => this.fetchLayer(ref, lease, layers[i]!, (n, fetched) => progress(n, fetched)),
    });
    await this.saveImage(ref, root);
    return { name: ref.name, digest: root.digest, downloadedBytes: downloaded };
  }

  /** Downloads a layer into the content store unless containerd already has its bytes. */
  private async fetchLayer(ref: RegistryRef, lease: string, layer: LayerDescriptor, progress: (n: number, fetched: boolean) => void): Promise<void> {
    let body: Readable | undefined;
    const open = async (): Promise<Readable> => {
      const res = await this.registry.blob(ref, layer.digest);
      if (!res.body) throw new AgentError('UNAVAILABLE', `registry ${ref.host} sent no body for ${layer.digest}`, { step: 'pullImage' });
      body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
      return body;
    };
    try {
      const r = await writeBlob(this.client, { ref: `layer-${layer.digest}`, digest: layer.digest, size: layer.size }, open, {
        lease,
        what: `"${ref.name}" from ${ref.host}`,
        onBytes: (n) => progress(n, true),
      });
      if (r === 'exists') progress(layer.size, false);
    } finally {
      (body as Readable | undefined)?.destroy();
    }
  }

  private async fetchBlobBytes(ref: RegistryRef, desc: RemoteDescriptor): Promise<Buffer> {
    const res = await this.registry.blob(ref, desc.digest);
    const bytes = Buffer.from(await res.arrayBuffer());
    const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (got !== desc.digest) throw digestError(ref, desc.digest, got);
    return bytes;
  }

  /** Stores small verified bytes (index, manifest, config) with labels; existing blobs get the labels set. */
  private async storeBytes(ref: RegistryRef, lease: string, writeRef: string, desc: RemoteDescriptor, bytes: Buffer, labels: Record<string, string>): Promise<void> {
    const r = await writeBlob(this.client, { ref: writeRef, digest: desc.digest, size: bytes.length, labels }, [bytes], { lease, what: `"${ref.name}"` });
    const paths = Object.keys(labels).map((k) => `labels.${k}`);
    if (r === 'exists' && paths.length > 0) {
      await this.client.call('content', 'Update', { info: { digest: desc.digest, labels }, update_mask: { paths } }, { lease, what: desc.digest });
    }
  }

  /** Images.Create, or Update when the name exists (Go createNewImage). */
  private async saveImage(ref: RegistryRef, root: RemoteDescriptor): Promise<void> {
    const image = { name: ref.name, labels: {}, target: { media_type: root.mediaType, digest: root.digest, size: root.size } };
    try {
      await this.client.call('images', 'Create', { image }, { what: ref.name });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.client.call('images', 'Update', { image }, { what: ref.name });
    }
  }
}
