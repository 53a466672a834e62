/**
 * `ensureImage` for Docker: IMAGE_PULL_POLICY (`always` | `if-not-present` | `never`), the pull
 * progress stream parsed and failed on in-stream errors, and concurrent pulls of the same
 * reference collapsed into one shared pull (each waiter can still cancel its own wait).
 */
import type { Readable } from 'node:stream';
import { AgentError, hasCode } from '../../errors.js';
import type { EnsureImageOptions, ImageInfo, PullProgress } from '../container-runtime.js';
import { withDeadline, createDeadline, deadlineError } from './call-deadline.js';
import type { DockerClient } from './docker-client.js';
import { dockerMessage, mapDockerError } from './docker-errors.js';
import type { DockerLogger, PullPolicy } from './docker-options.js';
import { PullProgressParser } from './pull-progress.js';
import { inStreamPullError, pullErrorCode, splitReference } from './pull-errors.js';

export interface ImagePullerDeps {
  client: DockerClient;
  policy: PullPolicy;
  callTimeoutMs: number;
  pullTimeoutMs: number;
  /** A pull stream silent for this long is aborted. */
  pullIdleTimeoutMs: number;
  logger: DockerLogger;
  now: () => number;
  endpoint: string;
}

interface SharedPull {
  promise: Promise<{ digest?: string | undefined }>;
  listeners: Set<(p: PullProgress) => void>;
  waiters: number;
  controller: AbortController;
}

const PROGRESS_INTERVAL_MS = 100;

export class ImagePuller {
  private readonly inflight = new Map<string, SharedPull>();

  constructor(private readonly deps: ImagePullerDeps) {}

  /** Makes `ref` present locally per the policy. @throws AgentError */
  async ensure(ref: string, opts: EnsureImageOptions): Promise<ImageInfo> {
    const image = ref.trim();
    if (!image) throw new AgentError('INVALID_ARGUMENT', 'image reference is empty', { step: 'pullImage' });
    const { policy } = this.deps;
    if (policy !== 'always') {
      const present = await this.inspect(image, opts.signal);
      if (present) return { ref: image, digest: present, pulled: false };
      if (policy === 'never') {
        throw new AgentError(
          'FAILED_PRECONDITION',
          `image ${image} is not present in dockerd and IMAGE_PULL_POLICY=never forbids pulling it (load it first: docker pull / docker load)`,
          { step: 'pullImage' },
        );
      }
      const pulled = await this.pullShared(image, opts);
      return { ref: image, digest: pulled.digest, pulled: true };
    }
    return this.pullAlways(image, opts);
  }

  /** `always`: pull; when the registry fails and the image is present, use it with a warning. */
  private async pullAlways(image: string, opts: EnsureImageOptions): Promise<ImageInfo> {
    try {
      const pulled = await this.pullShared(image, opts);
      return { ref: image, digest: pulled.digest, pulled: true };
    } catch (err) {
      if (hasCode(err, 'CANCELLED') || hasCode(err, 'INVALID_ARGUMENT')) throw err;
      const present = await this.inspect(image, opts.signal).catch(() => undefined);
      if (!present) throw err;
      this.deps.logger.warn(
        { image, err: (err as Error).message },
        'IMAGE_PULL_POLICY=always: pull failed, using the image already present',
      );
      return { ref: image, digest: present, pulled: false };
    }
  }

  /** The local image id (or repo digest) when present, undefined when absent. @throws AgentError */
  private async inspect(image: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const what = `inspect image ${image}`;
    try {
      const info = await withDeadline(signal, this.deps.callTimeoutMs, what, 'pullImage', (s) =>
        this.deps.client.getImage(image).inspect({ abortSignal: s }),
      );
      const digest = info.RepoDigests?.find((d) => d.includes('@'))?.split('@')[1];
      return digest ?? info.Id ?? 'present';
    } catch (err) {
      const mapped = mapDockerError(err, what, 'pullImage', this.deps.endpoint);
      if (mapped.code === 'NOT_FOUND') return undefined;
      throw mapped;
    }
  }

  /** Joins the in-flight pull of `image` or starts one; the caller's abort only detaches it. */
  private async pullShared(image: string, opts: EnsureImageOptions): Promise<{ digest?: string | undefined }> {
    let shared = this.inflight.get(image);
    if (!shared) {
      const controller = new AbortController();
      const listeners = new Set<(p: PullProgress) => void>();
      const promise = this.pullOnce(image, controller.signal, (p) => listeners.forEach((l) => l(p)));
      shared = { promise, listeners, waiters: 0, controller };
      const entry = shared;
      this.inflight.set(image, entry);
      promise.then(
        () => this.inflight.get(image) === entry && this.inflight.delete(image),
        () => this.inflight.get(image) === entry && this.inflight.delete(image),
      );
    }
    return this.waitFor(shared, opts);
  }

  private waitFor(shared: SharedPull, opts: EnsureImageOptions): Promise<{ digest?: string | undefined }> {
    const { signal, onProgress } = opts;
    if (signal?.aborted) return Promise.reject(new AgentError('CANCELLED', 'pull cancelled', { step: 'pullImage' }));
    shared.waiters++;
    if (onProgress) shared.listeners.add(onProgress);
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        shared.waiters--;
        if (onProgress) shared.listeners.delete(onProgress);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        leave();
        if (shared.waiters === 0) shared.controller.abort();
        reject(new AgentError('CANCELLED', 'pull cancelled', { step: 'pullImage' }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (v) => (leave(), resolve(v)),
        (e: unknown) => (leave(), reject(e)),
      );
    });
  }

  /** One real pull: request, then the stream consumed to its end. @throws AgentError */
  private async pullOnce(image: string, signal: AbortSignal, report: (p: PullProgress) => void): Promise<{ digest?: string | undefined }> {
    const what = `pull image ${image}`;
    const deadline = createDeadline(signal, this.deps.pullTimeoutMs);
    const started = this.deps.now();
    try {
      this.deps.logger.info({ image }, 'pulling image');
      const stream = await withDeadline(deadline.signal, this.deps.callTimeoutMs, what, 'pullImage', (s) =>
        this.deps.client.createImage({ ...splitReference(image), abortSignal: s }),
      );
      const outcome = await this.consume(stream, deadline.signal, report);
      if (outcome.error !== undefined) throw inStreamPullError(image, outcome.error);
      this.deps.logger.info({ image, digest: outcome.digest, ms: this.deps.now() - started }, 'pulled image');
      return { digest: outcome.digest };
    } catch (err) {
      if (deadline.signal.aborted) throw deadlineError(deadline, what, this.deps.pullTimeoutMs, 'pullImage');
      throw pullRequestError(err, what, this.deps.endpoint);
    } finally {
      deadline.dispose();
    }
  }

  /** Reads the progress stream to its end; aborts it on `signal` or when it goes silent. */
  private consume(stream: Readable, signal: AbortSignal, report: (p: PullProgress) => void) {
    const parser = new PullProgressParser();
    let lastReport = 0;
    return new Promise<ReturnType<PullProgressParser['outcome']>>((resolve, reject) => {
      let idle: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => fail(new AgentError('DEADLINE_EXCEEDED', `pull stream silent for ${this.deps.pullIdleTimeoutMs} ms`, { step: 'pullImage' })), this.deps.pullIdleTimeoutMs);
      };
      const cleanup = (): void => {
        clearTimeout(idle);
        signal.removeEventListener('abort', onAbort);
      };
      const fail = (err: unknown): void => {
        cleanup();
        stream.destroy();
        reject(err);
      };
      const onAbort = (): void => fail(new AgentError('CANCELLED', 'pull cancelled', { step: 'pullImage' }));
      signal.addEventListener('abort', onAbort, { once: true });
      arm();
      stream.on('data', (chunk: Buffer | string) => {
        arm();
        const now = this.deps.now();
        if (parser.push(chunk) && now - lastReport >= PROGRESS_INTERVAL_MS) {
          lastReport = now;
          report(parser.progress());
        }
      });
      let ended = false;
      stream.on('error', fail);
      stream.on('close', () => {
        if (!ended) fail(new AgentError('UNAVAILABLE', 'pull stream closed before its end (dockerd went away?)', { step: 'pullImage' }));
      });
      stream.on('end', () => {
        ended = true;
        cleanup();
        parser.end();
        report(parser.progress());
        resolve(parser.outcome());
      });
      if (signal.aborted) onAbort();
    });
  }
}

/**
 * Maps a failed `POST /images/create`: dockerd answers registry trouble as an HTTP error
 * before any stream (404 unknown repository/tag, 500 registry unreachable…), so the
 * registry's message decides the code, as for in-stream errors. Pure.
 */
function pullRequestError(err: unknown, what: string, endpoint: string): AgentError {
  const status = (err as { statusCode?: unknown }).statusCode;
  if (err instanceof AgentError || typeof status !== 'number') return mapDockerError(err, what, 'pullImage', endpoint);
  if (status === 404) return new AgentError('NOT_FOUND', `${what}: ${dockerMessage(err)}`, { cause: err, step: 'pullImage' });
  const code = pullErrorCode(dockerMessage(err));
  if (code === 'INTERNAL') return mapDockerError(err, what, 'pullImage', endpoint);
  return new AgentError(code, `${what}: ${dockerMessage(err)}`, { cause: err, step: 'pullImage' });
}
