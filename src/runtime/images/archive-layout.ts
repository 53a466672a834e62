/**
 * Reads what an image archive holds: an OCI image layout (`oci-layout` + `index.json` +
 * `blobs/<alg>/<hex>`) or a docker-archive (`manifest.json` with Config/RepoTags/Layers, for
 * which a Docker v2 manifest is synthesised). The OCI layout wins when both are present.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { AgentError } from '../../errors.js';
import { parseJson, type Descriptor, type ImageIndex } from './descriptor.js';
import { MT } from './media-types.js';
import { parseReference } from './reference.js';
import { readTarIndex, type TarEntry } from './tar-reader.js';

export interface ArchiveImage {
  /** Image record names (fully qualified). */
  names: string[];
  /** Root descriptor (index or manifest). */
  target: Descriptor;
}

export interface ArchivePlan {
  path: string;
  format: 'oci' | 'docker';
  images: ArchiveImage[];
  /** Where each blob's bytes are: a tar entry, or bytes we synthesised (docker manifests). */
  blobs: Map<string, { entry?: TarEntry; bytes?: Buffer }>;
}

const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;

async function readEntry(path: string, e: TarEntry): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(e.size);
    await fh.read(buf, 0, e.size, e.offset);
    return buf;
  } finally {
    await fh.close();
  }
}

async function hashEntry(path: string, e: TarEntry): Promise<string> {
  const h = createHash('sha256');
  if (e.size > 0) for await (const c of createReadStream(path, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** Pure. Full image name of a tag in an archive, or undefined when it does not parse. */
export function qualify(name: string | undefined): string | undefined {
  if (!name) return undefined;
  try {
    return parseReference(name).name;
  } catch {
    return undefined;
  }
}

/** Pure. Record names of an OCI index entry: `io.containerd.image.name`, else a full `ref.name`, else `fallback`. */
export function ociImageNames(annotations: Record<string, string> | undefined, fallback?: string): string[] {
  const a = annotations ?? {};
  const full = qualify(a['io.containerd.image.name']) ?? (a['org.opencontainers.image.ref.name']?.includes('/') ? qualify(a['org.opencontainers.image.ref.name']) : undefined);
  const name = full ?? qualify(fallback);
  return name ? [name] : [];
}

/** Indexes the archive and plans its import. Throws INVALID_ARGUMENT for an unknown layout. */
export async function planArchive(path: string, fallbackName?: string): Promise<ArchivePlan> {
  const entries = await readTarIndex(path);
  const byName = new Map(entries.filter((e) => e.type === 'file').map((e) => [e.name, e]));
  const blobs = new Map<string, { entry?: TarEntry; bytes?: Buffer }>();
  for (const [name, e] of byName) {
    const m = BLOB_PATH.exec(name);
    if (m) blobs.set(`sha256:${m[1]}`, { entry: e });
  }
  const index = byName.get('index.json');
  if (index) {
    const idx = parseJson<ImageIndex>(await readEntry(path, index), `${path}: index.json`);
    const images = (idx.manifests ?? []).map((d) => ({ names: ociImageNames(d.annotations, fallbackName), target: d }));
    return { path, format: 'oci', images, blobs };
  }
  const manifest = byName.get('manifest.json');
  if (!manifest) throw new AgentError('INVALID_ARGUMENT', `${path} is neither an OCI image layout (index.json) nor a docker archive (manifest.json)`, { step: 'import' });
  const items = parseJson<Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>>(await readEntry(path, manifest), `${path}: manifest.json`);
  const images: ArchiveImage[] = [];
  for (const item of items) images.push(await dockerImage(path, byName, blobs, item, fallbackName));
  return { path, format: 'docker', images, blobs };
}

async function describe(path: string, byName: Map<string, TarEntry>, blobs: ArchivePlan['blobs'], file: string, mediaType: (e: TarEntry) => Promise<string>): Promise<Descriptor> {
  const e = byName.get(file.replace(/^\.\//, ''));
  if (!e) throw new AgentError('INVALID_ARGUMENT', `${path}: manifest.json names ${file}, which the archive lacks`, { step: 'import' });
  const m = BLOB_PATH.exec(e.name);
  const digest = m ? `sha256:${m[1]}` : await hashEntry(path, e);
  blobs.set(digest, { entry: e });
  return { mediaType: await mediaType(e), digest, size: e.size };
}

async function dockerImage(path: string, byName: Map<string, TarEntry>, blobs: ArchivePlan['blobs'], item: { Config: string; RepoTags?: string[] | null; Layers: string[] }, fallbackName?: string): Promise<ArchiveImage> {
  const config = await describe(path, byName, blobs, item.Config, async () => MT.dockerConfig);
  const layers: Descriptor[] = [];
  for (const l of item.Layers) {
    layers.push(await describe(path, byName, blobs, l, async (e) => {
      const head = e.size >= 2 ? await readHead(path, e) : Buffer.alloc(0);
      return head[0] === 0x1f && head[1] === 0x8b ? MT.dockerLayerGzip : MT.dockerLayer;
    }));
  }
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.dockerManifest, config, layers }));
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  blobs.set(digest, { bytes: body });
  const names = [...new Set((item.RepoTags ?? []).map(qualify).filter((n): n is string => !!n))];
  if (names.length === 0 && qualify(fallbackName)) names.push(qualify(fallbackName)!);
  return { names, target: { mediaType: MT.dockerManifest, digest, size: body.length } };
}

async function readHead(path: string, e: TarEntry): Promise<Buffer> {
  return readEntry(path, { ...e, size: Math.min(e.size, 2) });
}

/** Reads a blob of the plan fully (small JSON blobs only). */
export async function readPlanBlob(plan: ArchivePlan, digest: string): Promise<Buffer> {
  const b = plan.blobs.get(digest);
  if (!b) throw new AgentError('INVALID_ARGUMENT', `${plan.path}: blob ${digest} is missing from the archive`, { step: 'import' });
  return b.bytes ?? readEntry(plan.path, b.entry!);
}

