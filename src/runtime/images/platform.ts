/** Picking one platform's manifest from an OCI index or Docker manifest list. Pure. */
import { AgentError } from '../../errors.js';
import type { Descriptor, ImageIndex, Platform } from './descriptor.js';
import { isManifestType } from './media-types.js';

/** The platform esb-agent runs workers on. */
export const DEFAULT_PLATFORM: Required<Pick<Platform, 'os' | 'architecture'>> & Platform = { os: 'linux', architecture: 'amd64' };

/** Pure. containerd's normalisation: `x86_64`→`amd64`, `aarch64`→`arm64` (variant v8 dropped), arm default v7. */
export function normalizePlatform(p: Platform): Platform {
  let arch = (p.architecture ?? '').toLowerCase();
  let variant = p.variant?.toLowerCase();
  if (arch === 'x86_64' || arch === 'x86-64') arch = 'amd64';
  if (arch === 'aarch64') arch = 'arm64';
  if (arch === 'arm64' && (variant === 'v8' || variant === '8')) variant = undefined;
  if (arch === 'amd64' && variant === 'v1') variant = undefined;
  if (arch === 'arm' && !variant) variant = 'v7';
  return { os: (p.os ?? '').toLowerCase(), architecture: arch, variant };
}

/** Pure. True when `candidate` runs on `want` (os and architecture equal; variant equal when `want` has one). */
export function platformMatches(candidate: Platform, want: Platform): boolean {
  const c = normalizePlatform(candidate);
  const w = normalizePlatform(want);
  if (c.os !== w.os || c.architecture !== w.architecture) return false;
  return !w.variant || !c.variant || c.variant === w.variant;
}

/**
 * Pure. The manifest descriptor for `want` in `index` (first match in index order, skipping
 * attestation manifests). Throws NOT_FOUND listing the platforms the index has.
 */
export function selectManifest(index: ImageIndex, want: Platform, what: string): Descriptor {
  const manifests = index.manifests.filter((m) => isManifestType(m.mediaType) || m.mediaType === '');
  const hit = manifests.find((m) => m.platform && platformMatches(m.platform, want)
    && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  if (hit) return hit;
  const have = manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}` : '?'));
  throw new AgentError('NOT_FOUND', `${what} has no manifest for ${want.os}/${want.architecture} (index has: ${have.join(', ') || 'none'})`, { step: 'pullImage' });
}
