/** OCI and Docker media types the puller understands, and the Accept header it sends. Pure. */

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** Accept header for manifest requests (containerd's resolver order, without the wildcard). */
export const MANIFEST_ACCEPT = [MT.dockerManifest, MT.dockerList, MT.ociManifest, MT.ociIndex].join(', ');

/** Pure. True for an OCI index or Docker manifest list. */
export function isIndexType(mediaType: string): boolean {
  return mediaType === MT.ociIndex || mediaType === MT.dockerList;
}

/** Pure. True for a single-platform OCI or Docker v2 manifest. */
export function isManifestType(mediaType: string): boolean {
  return mediaType === MT.ociManifest || mediaType === MT.dockerManifest;
}

/**
 * Pure. Media type of a manifest body whose Content-Type is missing or generic: the body's own
 * `mediaType`, else inferred from `manifests` (index) or `config`/`layers` (manifest).
 */
export function sniffManifestType(body: { mediaType?: unknown; manifests?: unknown; layers?: unknown }, header?: string): string {
  const h = (header ?? '').split(';')[0]!.trim();
  if (isIndexType(h) || isManifestType(h)) return h;
  if (typeof body.mediaType === 'string' && body.mediaType !== '') return body.mediaType;
  if (Array.isArray(body.manifests)) return MT.ociIndex;
  return MT.ociManifest;
}
