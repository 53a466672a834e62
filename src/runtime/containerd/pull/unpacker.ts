/**
 * Unpacks image layers into the snapshotter by chain id (containerd-api.md §4): Stat → Prepare
 * → Diff.Apply → Commit per layer, skipping chains that exist, then labels the config blob with
 * `containerd.io/gc.ref.snapshot.<snapshotter>` so the chain outlives the lease.
 */
import { randomBytes } from 'node:crypto';
import { AgentError } from '../../../errors.js';
import type { ContainerdClient } from '../client.js';
import { isAlreadyExists, isNotFound } from '../grpc-errors.js';
import { chainId } from '../image-ref.js';
import type { LayerDescriptor } from '../image-store.js';

export interface UnpackInput {
  snapshotter: string;
  layers: readonly LayerDescriptor[];
  diffIds: readonly string[];
  configDigest: string;
  lease: string;
  /** Makes layer `i`'s blob present in the content store (download); absent = already there. */
  fetchLayer?: ((i: number) => Promise<void>) | undefined;
  /** Called when layer `i` needed no work (its chain existed). */
  onSkip?: ((i: number) => void) | undefined;
}

/** Apply of one large layer can take long on a loaded machine. */
const APPLY_TIMEOUT_MS = 10 * 60_000;

async function snapshotExists(client: ContainerdClient, snapshotter: string, key: string): Promise<boolean> {
  try {
    await client.call('snapshots', 'Stat', { snapshotter, key }, { what: key });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Unpacks every layer; returns the top chain id. Throws AgentError (the lease keeps partial work collectable). */
export async function unpackLayers(client: ContainerdClient, input: UnpackInput): Promise<string> {
  if (input.layers.length !== input.diffIds.length || input.layers.length === 0) {
    throw new AgentError('INTERNAL', `image has ${input.diffIds.length} diff ids for ${input.layers.length} layers`, { step: 'pullImage' });
  }
  let parent = '';
  for (let i = 0; i < input.layers.length; i++) {
    const chain = chainId(input.diffIds.slice(0, i + 1));
    if (await snapshotExists(client, input.snapshotter, chain)) {
      input.onSkip?.(i);
    } else {
      await input.fetchLayer?.(i);
      await applyLayer(client, input, i, parent, chain);
    }
    parent = chain;
  }
  await client.call(
    'content',
    'Update',
    { info: { digest: input.configDigest, labels: { [`containerd.io/gc.ref.snapshot.${input.snapshotter}`]: parent } }, update_mask: { paths: [`labels.containerd.io/gc.ref.snapshot.${input.snapshotter}`] } },
    { lease: input.lease, what: input.configDigest },
  );
  return parent;
}

async function applyLayer(client: ContainerdClient, input: UnpackInput, i: number, parent: string, chain: string): Promise<void> {
  const layer = input.layers[i]!;
  const labels = { 'containerd.io/snapshot.ref': chain };
  for (let attempt = 0; attempt < 3; attempt++) {
    const key = `extract-${process.hrtime.bigint()}-${randomBytes(3).toString('base64url')} ${chain}`;
    let mounts: unknown[];
    try {
      mounts = (await client.call<{ mounts: unknown[] }>('snapshots', 'Prepare', { snapshotter: input.snapshotter, key, parent, labels }, { lease: input.lease, what: chain })).mounts;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      if (await snapshotExists(client, input.snapshotter, chain)) return;
      continue;
    }
    try {
      const res = await client.call<{ applied?: { digest: string } }>(
        'diff',
        'Apply',
        { diff: { media_type: layer.media_type, digest: layer.digest, size: layer.size }, mounts },
        { lease: input.lease, timeoutMs: APPLY_TIMEOUT_MS, what: layer.digest },
      );
      if (res.applied?.digest !== input.diffIds[i]) {
        throw new AgentError('INTERNAL', `layer ${layer.digest} unpacked to ${res.applied?.digest ?? 'nothing'}, expected diff id ${input.diffIds[i]}`, { step: 'pullImage' });
      }
      try {
        await client.call('snapshots', 'Commit', { snapshotter: input.snapshotter, name: chain, key, labels }, { lease: input.lease, what: chain });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        await client.call('snapshots', 'Remove', { snapshotter: input.snapshotter, key }, { what: key }).catch(() => undefined);
      }
    } catch (err) {
      await client.call('snapshots', 'Remove', { snapshotter: input.snapshotter, key }, { what: key }).catch(() => undefined);
      throw err;
    }
    await client.call(
      'content',
      'Update',
      { info: { digest: layer.digest, labels: { 'containerd.io/uncompressed': input.diffIds[i]! } }, update_mask: { paths: ['labels.containerd.io/uncompressed'] } },
      { lease: input.lease, what: layer.digest },
    );
    return;
  }
  throw new AgentError('INTERNAL', `could not prepare a snapshot for layer ${layer.digest} after 3 attempts`, { step: 'pullImage' });
}
