/** Content descriptors, manifests and configs as the puller sees them. Types and pure checks. */
import { AgentError } from '../../errors.js';

/** An OCI content descriptor (sizes as numbers: blobs here are far below 2^53). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string> | undefined;
  platform?: Platform | undefined;
}

export interface Platform {
  os?: string | undefined;
  architecture?: string | undefined;
  variant?: string | undefined;
}

export interface ImageIndex {
  schemaVersion?: number;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ImageManifest {
  schemaVersion?: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageConfig {
  rootfs?: { type?: string; diff_ids?: string[] };
  config?: Record<string, unknown>;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Pure. Throws INVALID_ARGUMENT-free INTERNAL errors on a descriptor the registry got wrong. */
export function checkDescriptor(d: unknown, what: string): Descriptor {
  const x = d as Partial<Descriptor> | null;
  if (!x || typeof x.digest !== 'string' || !DIGEST.test(x.digest)) {
    throw new AgentError('INTERNAL', `${what}: descriptor has no valid sha256 digest`, { step: 'pullImage' });
  }
  if (typeof x.size !== 'number' || !Number.isSafeInteger(x.size) || x.size < 0) {
    throw new AgentError('INTERNAL', `${what}: descriptor ${x.digest} has no valid size`, { step: 'pullImage' });
  }
  return { ...x, mediaType: typeof x.mediaType === 'string' ? x.mediaType : '', digest: x.digest, size: x.size };
}

/** Pure. Validates a parsed manifest body. Throws INTERNAL naming `what`. */
export function checkManifest(body: unknown, what: string): ImageManifest {
  const m = body as Partial<ImageManifest> | null;
  if (!m || typeof m !== 'object' || !m.config || !Array.isArray(m.layers)) {
    throw new AgentError('INTERNAL', `${what}: manifest has no config or layers`, { step: 'pullImage' });
  }
  return { ...m, config: checkDescriptor(m.config, what), layers: m.layers.map((l) => checkDescriptor(l, what)) };
}

/** Pure. The config's diff ids, checked against the layer count. Throws INTERNAL. */
export function diffIdsOf(config: ImageConfig, layerCount: number, what: string): string[] {
  const ids = config.rootfs?.diff_ids ?? [];
  if (ids.length !== layerCount || ids.some((d) => typeof d !== 'string' || !DIGEST.test(d))) {
    throw new AgentError('INTERNAL', `${what}: config has ${ids.length} diff ids for ${layerCount} layers`, { step: 'pullImage' });
  }
  return ids;
}

/** Pure. Parses JSON bytes or throws INTERNAL naming `what`. */
export function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new AgentError('INTERNAL', `${what} is not valid JSON`, { step: 'pullImage' });
  }
}
