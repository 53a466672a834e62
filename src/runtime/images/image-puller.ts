/**
 * `ensureImage` for containerd mode: IMAGE_PULL_POLICY (`always` | `if-not-present` | `never`,
 * contract §2.2), one shared pull per reference for concurrent callers, progress to every
 * caller, unpack of a present-but-not-unpacked image, and the `always` fallback to a present
 * image when the registry fails (logged).
 */
import type { PullPolicy } from '../../config.js';
import { AgentError } from '../../errors.js';
import type { EnsureImageOptions, ImageInfo } from '../container-runtime.js';
import type { ContainerdClient } from '../containerd/client.js';
import { type AdapterLogger, silentLogger } from '../containerd/options.js';
import type { Platform } from './descriptor.js';
import { createLease, deleteLease } from './lease.js';
import { findLocalImage, type LocalImage } from './local-image.js';
import { imageAbsentNeverPull } from './pull-errors.js';
import { pullImage, type PullOutcome } from './pull-image.js';
import { ProgressTracker } from './progress.js';
import { parseReference, type ImageReference } from './reference.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';
import { mapStoreError } from './store-errors.js';
import { DEFAULT_PLATFORM } from './platform.js';
import { unpackLayers } from './unpack.js';
import { contentInfo } from './content-store.js';

export interface ImagePullerOptions {
  client: ContainerdClient;
  /** Snapshotter to unpack into (`CONTAINERD_SNAPSHOTTER` resolved). */
  snapshotter: string;
  /** A shared RegistryClient, or options to build one. */
  registry?: RegistryClient | RegistryClientOptions | undefined;
  /** `IMAGE_PULL_POLICY`. @default 'if-not-present' */
  policy?: PullPolicy | undefined;
  /** @default linux/amd64 */
  platform?: Platform | undefined;
  log?: AdapterLogger | undefined;
  /** Progress report interval. @default 250 */
  progressIntervalMs?: number | undefined;
  /** Wraps each real registry pull (e.g. `(fn, s) => limiter.run('pull', fn, { signal: s })`). */
  runPull?: (<T>(fn: (signal: AbortSignal | undefined) => Promise<T>, signal: AbortSignal) => Promise<T>) | undefined;
}

export interface EnsureImageCallOptions extends EnsureImageOptions {
  /** Overrides the configured policy for this call. */
  policy?: PullPolicy | undefined;
}

interface SharedPull {
  promise: Promise<PullOutcome>;
  controller: AbortController;
  waiters: number;
  progress: ProgressTracker;
}

/** One per containerd namespace. */
export class ImagePuller {
  private readonly registry: RegistryClient;
  private readonly pulls = new Map<string, SharedPull>();
  private readonly inflightBlobs = new Map<string, Promise<unknown>>();
  private readonly log: AdapterLogger;
  private readonly platform: Platform;

  constructor(private readonly opts: ImagePullerOptions) {
    this.registry = opts.registry instanceof RegistryClient ? opts.registry : new RegistryClient(opts.registry ?? {});
    this.log = opts.log ?? silentLogger;
    this.platform = opts.platform ?? DEFAULT_PLATFORM;
  }

  /**
   * Makes `image` present and unpacked per the pull policy. Throws INVALID_ARGUMENT for a bad
   * reference, NOT_FOUND (unknown image, or absent with `never`), PERMISSION_DENIED,
   * UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL (digest mismatch), CANCELLED.
   */
  async ensureImage(image: string, opts: EnsureImageCallOptions = {}): Promise<ImageInfo> {
    const ref = parseReference(image);
    const policy = opts.policy ?? this.opts.policy ?? 'if-not-present';
    const names = [...new Set([image.trim(), ref.name])];
    const local = await findLocalImage(this.opts.client, names, this.opts.snapshotter, this.platform, opts.signal);
    if (policy !== 'always' && local) {
      if (!local.unpacked && !(await this.unpackLocal(local, opts.signal))) {
        if (policy === 'never') throw new AgentError('FAILED_PRECONDITION', `image "${local.name}" is present but its layers are missing; IMAGE_PULL_POLICY=never forbids pulling them`, { step: 'pullImage' });
      } else {
        return { ref: local.name, digest: local.target.digest, pulled: false };
      }
    }
    if (policy === 'never') throw imageAbsentNeverPull(image.trim(), this.opts.client.namespace);
    try {
      const out = await this.sharedPull(ref, opts);
      return { ref: out.name, digest: out.target.digest, pulled: true };
    } catch (err) {
      if (policy !== 'always' || !local || opts.signal?.aborted || (err instanceof AgentError && err.code === 'CANCELLED')) throw err;
      if (!local.unpacked && !(await this.unpackLocal(local, opts.signal))) throw err;
      this.log.warn({ image: local.name, err }, 'pull failed with IMAGE_PULL_POLICY=always; using the image already present');
      return { ref: local.name, digest: local.target.digest, pulled: false };
    }
  }

  /** Always pulls (the `always` policy without the fallback). */
  pull(image: string, opts: EnsureImageOptions = {}): Promise<PullOutcome> {
    return this.sharedPull(parseReference(image), opts);
  }

  /** Closes the registry connection pool (not the containerd client). */
  async close(): Promise<void> {
    await this.registry.close();
  }

  /** Unpacks a present image from its local blobs; false when a layer blob is missing. */
  private async unpackLocal(local: LocalImage, signal?: AbortSignal): Promise<boolean> {
    const client = this.opts.client;
    for (const l of local.manifest.layers) if (!(await contentInfo(client, l.digest, { signal }))) return false;
    const lease = await createLease(client, { signal });
    try {
      await unpackLayers(client, { snapshotter: this.opts.snapshotter, layers: local.manifest.layers, diffIds: local.diffIds,
        configDigest: local.manifest.config.digest, lease, signal, ensureLayer: async () => undefined });
      await deleteLease(client, lease, false);
      return true;
    } catch (err) {
      await deleteLease(client, lease, true).catch(() => undefined);
      throw mapStoreError(err, local.name, signal);
    }
  }

  /** Joins the pull of `ref` in flight or starts it; the pull stops only when every caller left. */
  private sharedPull(ref: ImageReference, opts: EnsureImageOptions): Promise<PullOutcome> {
    let shared = this.pulls.get(ref.name);
    if (!shared || shared.controller.signal.aborted) shared = this.startPull(ref);
    return joinShared(shared, ref, opts);
  }

  private startPull(ref: ImageReference): SharedPull {
    const controller = new AbortController();
    const progress = new ProgressTracker(this.opts.progressIntervalMs ?? 250);
    const run = async (signal: AbortSignal | undefined): Promise<PullOutcome> => {
      const t0 = performance.now();
      this.log.info({ image: ref.name }, 'pulling image');
      const out = await pullImage({ client: this.opts.client, registry: this.registry, snapshotter: this.opts.snapshotter, platform: this.platform, log: this.log, inflightBlobs: this.inflightBlobs },
        ref, { signal: signal ?? controller.signal, progress });
      this.log.info({ image: ref.name, digest: out.target.digest, bytes: out.fetchedBytes, ms: Math.round(performance.now() - t0) }, 'image pulled');
      return out;
    };
    const promise = (this.opts.runPull ? this.opts.runPull(run, controller.signal) : run(controller.signal))
      .finally(() => { if (this.pulls.get(ref.name) === shared) this.pulls.delete(ref.name); });
    promise.catch(() => undefined);
    const shared: SharedPull = { promise, controller, waiters: 0, progress };
    this.pulls.set(ref.name, shared);
    this.attachProgressLog(ref, progress);
    return shared;
  }

  /** Logs progress at most every 5 s while the pull runs. */
  private attachProgressLog(ref: ImageReference, progress: ProgressTracker): void {
    let last = 0;
    progress.listen((p) => {
      const now = performance.now();
      if (now - last < 5000) return;
      last = now;
      this.log.debug({ image: ref.name, doneBytes: p.doneBytes, totalBytes: p.totalBytes }, 'pull progress');
    });
  }
}

/** Waits for a shared pull on behalf of one caller; the caller's abort only detaches it. */
function joinShared(s: SharedPull, ref: ImageReference, opts: EnsureImageOptions): Promise<PullOutcome> {
  s.waiters++;
  const unlisten = s.progress.listen(opts.onProgress);
  return new Promise<PullOutcome>((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      unlisten();
      opts.signal?.removeEventListener('abort', onAbort);
      s.waiters--;
      return true;
    };
    const onAbort = (): void => {
      if (!finish()) return;
      if (s.waiters === 0) s.controller.abort(new AgentError('CANCELLED', `pull of "${ref.name}" cancelled: no caller waits for it`, { step: 'pullImage' }));
      reject(new AgentError('CANCELLED', `pull of "${ref.name}" cancelled`, { cause: opts.signal?.reason, step: 'pullImage' }));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    s.promise.then((v) => { if (finish()) resolve(v); }, (e: unknown) => { if (finish()) reject(e); });
  });
}
