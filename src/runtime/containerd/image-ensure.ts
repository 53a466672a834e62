/**
 * `ensureImage` with `IMAGE_PULL_POLICY` (contract §2.2): `if-not-present` uses a local image
 * (unpacking it when needed) and pulls otherwise; `always` pulls and falls back to a local image
 * when the registry fails (saying so in the log); `never` only uses a local image.
 */
import { AgentError } from '../../errors.js';
import type { EnsureImageOptions, ImageInfo } from '../container-runtime.js';
import { type AdapterContext, rfc3339 } from './adapter-context.js';
import { isNotFound } from './grpc-errors.js';
import type { ResolvedImage } from './image-store.js';
import type { ImagePuller } from './pull/image-puller.js';
import { unpackLayers } from './pull/unpacker.js';

export type PullPolicy = 'always' | 'if-not-present' | 'never';

async function localImage(ctx: AdapterContext, image: string, signal?: AbortSignal): Promise<ResolvedImage | undefined> {
  try {
    return await ctx.images.resolve(image, signal);
  } catch (err) {
    if (err instanceof AgentError && err.code === 'NOT_FOUND' && !/manifest/.test(err.message)) return undefined;
    throw err;
  }
}

/** Unpacks a local image whose top chain is missing, from the content store. Throws AgentError. */
export async function ensureUnpacked(ctx: AdapterContext, img: ResolvedImage): Promise<void> {
  try {
    await ctx.client.call('snapshots', 'Stat', { snapshotter: ctx.snapshotter, key: img.chainId }, { what: img.name });
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const lease = `esb-unpack-${img.chainId.slice(7, 19)}-${ctx.now()}`;
  await ctx.client.call('leases', 'Create', { id: lease, labels: { 'containerd.io/gc.expire': rfc3339(ctx.now() + 3600_000) } }, { what: img.name });
  try {
    await unpackLayers(ctx.client, { snapshotter: ctx.snapshotter, layers: img.layers, diffIds: img.diffIds, configDigest: img.configDigest, lease });
  } catch (err) {
    const e = err instanceof AgentError ? err : new AgentError('INTERNAL', String(err), { cause: err });
    throw new AgentError(e.code, `unpacking image "${img.name}" for ${ctx.snapshotter}: ${e.message}`, { cause: err, step: 'pullImage' });
  } finally {
    await ctx.client.call('leases', 'Delete', { id: lease }, { what: img.name }).catch(() => undefined);
  }
}

/** The policy decision. Throws AgentError (NOT_FOUND naming image and namespace for `never`). */
export async function ensureImageWithPolicy(
  ctx: AdapterContext,
  puller: ImagePuller | undefined,
  policy: PullPolicy,
  image: string,
  opts: EnsureImageOptions,
): Promise<ImageInfo> {
  if (policy !== 'always') {
    const local = await localImage(ctx, image, opts.signal);
    if (local) {
      await ensureUnpacked(ctx, local);
      return { ref: local.name, digest: local.digest, pulled: false };
    }
    if (policy === 'never' || !puller) {
      throw new AgentError(
        'NOT_FOUND',
        `image "${image}" not found in containerd namespace "${ctx.namespace}"${policy === 'never' ? ' and IMAGE_PULL_POLICY is never' : ''}`,
        { step: 'pullImage' },
      );
    }
  }
  if (!puller) throw new AgentError('FAILED_PRECONDITION', 'image pulling is not configured', { step: 'pullImage' });
  try {
    const r = await puller.pull(image, { signal: opts.signal, onProgress: opts.onProgress });
    ctx.images.forget();
    return { ref: r.name, digest: r.digest, pulled: r.downloadedBytes > 0 };
  } catch (err) {
    if (policy !== 'always' || (err instanceof AgentError && err.code === 'CANCELLED')) throw err;
    const local = await localImage(ctx, image, opts.signal).catch(() => undefined);
    if (!local) throw err;
    ctx.log.warn({ image, err }, 'pull failed with IMAGE_PULL_POLICY=always; using the image already present');
    await ensureUnpacked(ctx, local);
    return { ref: local.name, digest: local.digest, pulled: false };
  }
}
