/** Image reference helpers and the chain id of an image's layers. All pure. */
import { createHash } from 'node:crypto';

/**
 * Pure. Docker-style normalisation: `busybox` → `docker.io/library/busybox:latest`,
 * `127.0.0.1:5000/esb/echo` → `127.0.0.1:5000/esb/echo:latest`; digests are kept.
 */
export function normalizeImageRef(ref: string): string {
  const r = ref.trim();
  const slash = r.indexOf('/');
  const first = slash === -1 ? '' : r.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name = hasDomain ? r : `docker.io/${slash === -1 ? `library/${r}` : r}`;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  if (!name.includes('@') && !lastPart.includes(':')) name = `${name}:latest`;
  return name;
}

/** Pure. Candidate names to look up in the image store: the ref as given, then its normalised form. */
export function imageNameCandidates(ref: string): string[] {
  const given = ref.trim();
  const normal = normalizeImageRef(given);
  return normal === given ? [given] : [given, normal];
}

/** Pure. OCI ChainID of a diff id list (image-spec config.md). Throws on an empty list. */
export function chainId(diffIds: readonly string[]): string {
  if (diffIds.length === 0) throw new Error('image has no layers');
  let chain = diffIds[0]!;
  for (const d of diffIds.slice(1)) {
    chain = `sha256:${createHash('sha256').update(`${chain} ${d}`).digest('hex')}`;
  }
  return chain;
}

/** Pure. GOARCH name of a Node `process.arch`. */
export function goArch(nodeArch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[nodeArch] ?? nodeArch;
}
