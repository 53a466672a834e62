/**
 * Small unique images built in memory (gzip tar layers, OCI config and manifest), so a test
 * really downloads blobs no other containerd namespace on the machine already holds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface SyntheticImage {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  configDigest: string;
  layers: Array<{ digest: string; bytes: Buffer; diffId: string }>;
  /** Every blob by digest (config and layers). */
  blobs: Map<string, Buffer>;
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pure. One ustar file entry (header + padded data). */
function tarFile(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}

/** Builds an image of `layerCount` layers, each one random file of `layerBytes` bytes. */
export function makeSyntheticImage(layerCount = 2, layerBytes = 256 * 1024): SyntheticImage {
  const layers = Array.from({ length: layerCount }, (_, i) => {
    const tar = Buffer.concat([tarFile(`layer-${i}-${randomBytes(4).toString('hex')}.bin`, randomBytes(layerBytes)), Buffer.alloc(1024)]);
    const bytes = gzipSync(tar, { level: 1 });
    return { digest: sha(bytes), bytes, diffId: sha(tar) };
  });
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  }));
  const configDigest = sha(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.bytes.length })),
  }));
  const blobs = new Map<string, Buffer>([[configDigest, config], ...layers.map((l) => [l.digest, l.bytes] as [string, Buffer])]);
  return { manifest, manifestDigest: sha(manifest), config, configDigest, layers, blobs };
}
