/**
 * Imports an OCI image-layout archive (`oci-layout`, `index.json`, `blobs/sha256/*`, as the test
 * bed's image tar) into containerd without a registry: blobs streamed from the file into the
 * content store with their GC labels, layers unpacked for the snapshotter, image records
 * created or updated. Replaces `ctr images import` for our images.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { AgentError } from '../../../errors.js';
import { rfc3339 } from '../adapter-context.js';
import type { ContainerdClient } from '../client.js';
import { isAlreadyExists } from '../grpc-errors.js';
import { writeBlob } from './content-writer.js';
import { indexTar, type TarEntry } from './tar-index.js';
import { unpackLayers } from './unpacker.js';

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImportOptions {
  snapshotter: string;
  /** Image name to use instead of the archive's `io.containerd.image.name` annotation. */
  name?: string | undefined;
  now?: (() => number) | undefined;
}

/** Imports every manifest of the archive; returns the image names created. Throws AgentError. */
export async function importImageArchive(client: ContainerdClient, tarPath: string, opts: ImportOptions): Promise<string[]> {
  const entries = await indexTar(tarPath).catch((err: unknown) => {
    throw new AgentError('INVALID_ARGUMENT', `cannot read image archive ${tarPath}: ${(err as Error).message}`, { step: 'import' });
  });
  const readSmall = async (e: TarEntry): Promise<Buffer> => {
    const buf = Buffer.alloc(e.size);
    const fh = await open(tarPath, 'r');
    try {
      await fh.read(buf, 0, e.size, e.offset);
    } finally {
      await fh.close();
    }
    return buf;
  };
  const indexEntry = entries.get('index.json');
  if (!indexEntry) throw new AgentError('INVALID_ARGUMENT', `${tarPath} is not an OCI image layout archive (no index.json)`, { step: 'import' });
  const index = JSON.parse((await readSmall(indexEntry)).toString('utf8')) as { manifests?: Desc[] };
  const now = opts.now ?? Date.now;
  const lease = `esb-import-${now()}-${randomBytes(3).toString('hex')}`;
  await client.call('leases', 'Create', { id: lease, labels: { 'containerd.io/gc.expire': rfc3339(now() + 3600_000) } }, { what: tarPath });
  const names: string[] = [];
  try {
    for (const m of index.manifests ?? []) {
      const blob = (d: Desc): TarEntry => {
        const e = entries.get(`blobs/${d.digest.replace(':', '/')}`);
        if (!e) throw new AgentError('INVALID_ARGUMENT', `${tarPath} lacks blob ${d.digest}`, { step: 'import' });
        return e;
      };
      const manifestBytes = await readSmall(blob(m));
      const manifest = JSON.parse(manifestBytes.toString('utf8')) as { config: Desc; layers: Desc[] };
      const configBytes = await readSmall(blob(manifest.config));
      const put = async (d: Desc, ref: string, labels: Record<string, string> = {}): Promise<void> => {
        const e = blob(d);
        const stream = createReadStream(tarPath, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1024 * 1024 });
        const r = await writeBlob(client, { ref, digest: d.digest, size: e.size, labels }, stream, { lease, what: tarPath });
        stream.destroy();
        const paths = Object.keys(labels).map((k) => `labels.${k}`);
        if (r === 'exists' && paths.length) await client.call('content', 'Update', { info: { digest: d.digest, labels }, update_mask: { paths } }, { lease });
      };
      for (const l of manifest.layers) await put(l, `layer-${l.digest}`);
      await put(manifest.config, `config-${manifest.config.digest}`);
      const mLabels: Record<string, string> = { 'containerd.io/gc.ref.content.config': manifest.config.digest };
      manifest.layers.forEach((l, i) => (mLabels[`containerd.io/gc.ref.content.l.${i}`] = l.digest));
      await put(m, `manifest-${m.digest}`, mLabels);
      const config = JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } };
      await unpackLayers(client, {
        snapshotter: opts.snapshotter,
        layers: manifest.layers.map((l) => ({ media_type: l.mediaType, digest: l.digest, size: l.size })),
        diffIds: config.rootfs?.diff_ids ?? [],
        configDigest: manifest.config.digest,
        lease,
      });
      const name = opts.name ?? m.annotations?.['io.containerd.image.name'] ?? m.annotations?.['org.opencontainers.image.ref.name'];
      if (!name) throw new AgentError('INVALID_ARGUMENT', `${tarPath}: manifest ${m.digest} has no image name; pass one`, { step: 'import' });
      const image = { name, labels: {}, target: { media_type: m.mediaType, digest: m.digest, size: m.size } };
      try {
        await client.call('images', 'Create', { image }, { what: name });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        await client.call('images', 'Update', { image }, { what: name });
      }
      names.push(name);
    }
  } finally {
    await client.call('leases', 'Delete', { id: lease }, { what: tarPath }).catch(() => undefined);
  }
  return names;
}
