/**
 * What the namespace already holds for an image: its record, the platform manifest, config and
 * diff ids read from the content store, and whether its top chain is unpacked. No registry.
 */
import type { ContainerdClient } from '../containerd/client.js';
import { isNotFound } from '../containerd/grpc-errors.js';
import { readContent } from './content-store.js';
import { checkManifest, diffIdsOf, parseJson, type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, type Platform } from './descriptor.js';
import { getImageRecord } from './image-record.js';
import { isIndexType } from './media-types.js';
import { selectManifest } from './platform.js';
import { isUnpacked } from './unpack.js';

export interface LocalImage {
  name: string;
  target: Descriptor;
  manifest: ImageManifest;
  diffIds: string[];
  unpacked: boolean;
}

/**
 * The first of `names` with a record whose manifest and config are readable; undefined when
 * none (a record whose content is gone counts as absent). Other errors propagate.
 */
export async function findLocalImage(client: ContainerdClient, names: string[], snapshotter: string, platform: Platform, signal?: AbortSignal): Promise<LocalImage | undefined> {
  for (const name of names) {
    const record = await getImageRecord(client, name, signal);
    if (!record) continue;
    try {
      let manifestDigest = record.target.digest;
      if (isIndexType(record.target.mediaType)) {
        const index = parseJson<ImageIndex>(await readContent(client, manifestDigest, { signal }), `index ${manifestDigest}`);
        manifestDigest = selectManifest(index, platform, `image "${name}"`).digest;
      }
      const manifest = checkManifest(parseJson(await readContent(client, manifestDigest, { signal }), `manifest ${manifestDigest}`), `image "${name}"`);
      const config = parseJson<ImageConfig>(await readContent(client, manifest.config.digest, { signal }), `config ${manifest.config.digest}`);
      const diffIds = diffIdsOf(config, manifest.layers.length, `image "${name}"`);
      const unpacked = await isUnpacked(client, snapshotter, diffIds, signal);
      return { name, target: record.target, manifest, diffIds, unpacked };
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
  }
  return undefined;
}
