/** containerd image records: get, create-or-update, delete. */
import type { ContainerdClient } from '../containerd/client.js';
import { isAlreadyExists, isNotFound } from '../containerd/grpc-errors.js';
import type { Descriptor } from './descriptor.js';

export interface ImageRecord {
  name: string;
  target: Descriptor;
  labels: Record<string, string>;
}

interface WireImage {
  name: string;
  labels?: Record<string, string>;
  target?: { media_type: string; digest: string; size: string | number; annotations?: Record<string, string> };
}

/** Images.Get, or undefined when the namespace has no such record. */
export async function getImageRecord(client: ContainerdClient, name: string, signal?: AbortSignal): Promise<ImageRecord | undefined> {
  try {
    const res = await client.call<{ image: WireImage }>('images', 'Get', { name }, { signal, what: name });
    const t = res.image.target;
    if (!t?.digest) return undefined;
    return { name, labels: res.image.labels ?? {}, target: { mediaType: t.media_type, digest: t.digest, size: Number(t.size) } };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Images.Create, or Update (whole record) when it exists; Create again if it vanished meanwhile. */
export async function putImageRecord(client: ContainerdClient, name: string, target: Descriptor, labels: Record<string, string> = {}): Promise<void> {
  const image = { name, labels, target: { media_type: target.mediaType, digest: target.digest, size: target.size } };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await client.call('images', 'Create', { image }, { what: name });
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    try {
      await client.call('images', 'Update', { image }, { what: name });
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** Images.Delete (`sync` runs GC first); NOT_FOUND counts as done. */
export async function deleteImageRecord(client: ContainerdClient, name: string, sync = false): Promise<void> {
  try {
    await client.call('images', 'Delete', { name, sync }, { what: name, timeoutMs: sync ? 120_000 : undefined });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
