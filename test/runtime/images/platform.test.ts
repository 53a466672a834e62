import { describe, expect, it } from 'vitest';
import { normalizePlatform, selectManifest } from '../../../src/runtime/images/platform.js';
import { MT } from '../../../src/runtime/images/media-types.js';
import { sniffManifestType } from '../../../src/runtime/images/media-types.js';

const d = (n: number, platform: object, extra: object = {}) => ({ mediaType: MT.ociManifest, digest: `sha256:${String(n).repeat(64)}`, size: 10, platform, ...extra });

describe('selectManifest', () => {
  it('picks linux/amd64 from a multi-platform index', () => {
    const index = { manifests: [d(1, { os: 'linux', architecture: 'arm64' }), d(2, { os: 'linux', architecture: 'amd64' }), d(3, { os: 'windows', architecture: 'amd64' })] };
    expect(selectManifest(index, { os: 'linux', architecture: 'amd64' }, 'x').digest).toBe(d(2, {}).digest);
  });
  it('normalises x86_64 to amd64', () => {
    const index = { manifests: [d(4, { os: 'linux', architecture: 'x86_64' })] };
    expect(selectManifest(index, { os: 'linux', architecture: 'amd64' }, 'x').digest).toBe(d(4, {}).digest);
  });
  it('skips attestation manifests', () => {
    const index = { manifests: [d(5, { os: 'unknown', architecture: 'unknown' }, { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }), d(6, { os: 'linux', architecture: 'amd64' })] };
    expect(selectManifest(index, { os: 'linux', architecture: 'amd64' }, 'x').digest).toBe(d(6, {}).digest);
  });
  it('fails with NOT_FOUND listing what the index has', () => {
    const index = { manifests: [d(1, { os: 'linux', architecture: 'arm64' })] };
    expect(() => selectManifest(index, { os: 'linux', architecture: 'amd64' }, 'image "x"')).toThrow(/no manifest for linux\/amd64 \(index has: linux\/arm64\)/);
  });
  it('drops the v8 variant of arm64', () => {
    expect(normalizePlatform({ os: 'Linux', architecture: 'aarch64', variant: 'v8' })).toEqual({ os: 'linux', architecture: 'arm64', variant: undefined });
  });
});

describe('sniffManifestType', () => {
  it('trusts a manifest Content-Type', () => {
    expect(sniffManifestType({}, `${MT.dockerList}; charset=utf-8`)).toBe(MT.dockerList);
  });
  it('falls back to the body when the header is generic', () => {
    expect(sniffManifestType({ manifests: [] }, 'application/json')).toBe(MT.ociIndex);
    expect(sniffManifestType({ mediaType: MT.dockerManifest }, '')).toBe(MT.dockerManifest);
  });
});
