/**
 * Unpacking layers into a snapshotter: per layer, Stat(chain) and skip
 * when committed; else Prepare an extraction key on the parent chain, make sure the layer blob
 * is stored, Diff.Apply, check the diff id, Commit by chain id. Then the labels that make
 * containerd consider the image unpacked: `containerd.io/uncompressed` on each layer blob and
 * `containerd.io/gc.ref.snapshot.<snapshotter>` = top chain on the config blob.
 */
import { randomBytes } from 'node:crypto';
import { AgentError } from '../../errors.js';
import type { ContainerdClient } from '../containerd/client.js';
import { isAlreadyExists, isNotFound } from '../containerd/grpc-errors.js';
import { chainIds } from './chain-id.js';
import { setContentLabels } from './content-store.js';
import type { Descriptor } from './descriptor.js';

export interface UnpackRequest {
  snapshotter: string;
  layers: Descriptor[];
  diffIds: string[];
  configDigest: string;
  lease: string;
  signal?: AbortSignal | undefined;
  /** Makes sure layer `i` is in the content store (fetch it); called only for layers to apply. */
  ensureLayer: (i: number) => Promise<void>;
  /** Deadline of one Diff.Apply. @default 600000 */
  applyTimeoutMs?: number | undefined;
}

/** True when the top chain of `diffIds` is committed in `snapshotter`. */
export async function isUnpacked(client: ContainerdClient, snapshotter: string, diffIds: string[], signal?: AbortSignal): Promise<boolean> {
  return snapshotExists(client, snapshotter, chainIds(diffIds).at(-1)!, signal);
}

async function snapshotExists(client: ContainerdClient, snapshotter: string, key: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await client.call('snapshots', 'Stat', { snapshotter, key }, { signal, what: key });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Unpacks every layer not yet committed and labels blobs for GC. Returns the top chain id.
 * Layers below the highest committed chain are neither fetched nor applied.
 */
export async function unpackLayers(client: ContainerdClient, req: UnpackRequest): Promise<string> {
  const chains = chainIds(req.diffIds);
  let firstMissing = chains.length;
  for (let i = chains.length - 1; i >= 0; i--) {
    if (await snapshotExists(client, req.snapshotter, chains[i]!, req.signal)) break;
    firstMissing = i;
  }
  const fetches = new Map<number, Promise<void>>();
  for (let i = firstMissing; i < chains.length; i++) fetches.set(i, req.ensureLayer(i));
  for (const p of fetches.values()) p.catch(() => undefined); // awaited in order below
  for (let i = firstMissing; i < chains.length; i++) {
    await fetches.get(i);
    await applyLayer(client, req, i, chains[i - 1] ?? '', chains[i]!);
  }
  for (let i = 0; i < req.layers.length; i++) {
    await setContentLabels(client, req.layers[i]!.digest, { 'containerd.io/uncompressed': req.diffIds[i]! }, { lease: req.lease, signal: req.signal });
  }
  const top = chains.at(-1)!;
  await setContentLabels(client, req.configDigest, { [`containerd.io/gc.ref.snapshot.${req.snapshotter}`]: top }, { lease: req.lease, signal: req.signal });
  return top;
}

/** One layer: Prepare → Apply → Commit, tolerating a concurrent unpack of the same chain. */
async function applyLayer(client: ContainerdClient, req: UnpackRequest, i: number, parent: string, chain: string): Promise<void> {
  const labels = { 'containerd.io/snapshot.ref': chain };
  const opts = { lease: req.lease, signal: req.signal };
  for (let attempt = 0; attempt < 3; attempt++) {
    const key = `extract-${process.hrtime.bigint()}-${randomBytes(3).toString('base64url')} ${chain}`;
    let mounts: unknown[];
    try {
      mounts = (await client.call<{ mounts: unknown[] }>('snapshots', 'Prepare', { snapshotter: req.snapshotter, key, parent, labels }, { ...opts, what: chain })).mounts;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      if (await snapshotExists(client, req.snapshotter, chain, req.signal)) return;
      continue;
    }
    try {
      const layer = req.layers[i]!;
      const res = await client.call<{ applied: { digest: string } }>('diff', 'Apply', {
        diff: { media_type: layer.mediaType, digest: layer.digest, size: layer.size },
        mounts,
      }, { ...opts, what: layer.digest, timeoutMs: req.applyTimeoutMs ?? 600_000 });
      if (res.applied.digest !== req.diffIds[i]) {
        throw new AgentError('INTERNAL', `layer ${layer.digest} unpacked to ${res.applied.digest}, but the image config says diff id ${req.diffIds[i]}`, { step: 'pullImage' });
      }
      await client.call('snapshots', 'Commit', { snapshotter: req.snapshotter, name: chain, key, labels }, { ...opts, what: chain });
      return;
    } catch (err) {
      await client.call('snapshots', 'Remove', { snapshotter: req.snapshotter, key }, { lease: req.lease, what: key }).catch(() => undefined);
      if (isAlreadyExists(err)) return; // another unpack committed this chain first
      throw err;
    }
  }
  throw new AgentError('INTERNAL', `could not prepare a snapshot for chain ${chain} after 3 attempts`, { step: 'pullImage' });
}
