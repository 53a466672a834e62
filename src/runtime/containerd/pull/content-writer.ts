/**
 * Writes one blob into containerd's content store with the lock-step `Content.Write` protocol
 * (containerd-api.md §2): STAT with ref/total/expected, WRITE chunks of up to 1 MiB, COMMIT with
 * labels. ALREADY_EXISTS on the first message means the blob is there (and now in our lease).
 * The digest is verified while streaming; a mismatch aborts the ingest before COMMIT.
 */
import { createHash } from 'node:crypto';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { AgentError } from '../../../errors.js';
import type { ContainerdClient } from '../client.js';
import { isAlreadyExists, mapContainerdError } from '../grpc-errors.js';

const CHUNK = 1024 * 1024;

export interface BlobToWrite {
  ref: string;
  digest: string;
  size: number;
  labels?: Record<string, string> | undefined;
}

/** Lock-step reader of replies on a duplex stream. */
class Replies {
  private readonly queue: unknown[] = [];
  private waiter: { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined;
  private error: unknown;
  private ended = false;

  constructor(stream: ClientDuplexStream<unknown, unknown>) {
    stream.on('data', (m: unknown) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(m);
      } else this.queue.push(m);
    });
    stream.on('error', (e: unknown) => this.fail(e));
    stream.on('end', () => {
      this.ended = true;
      this.fail(new Error('content write stream ended early'));
    });
  }

  next(): Promise<unknown> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.error !== undefined) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  get done(): boolean {
    return this.ended;
  }

  private fail(e: unknown): void {
    if (this.error === undefined) this.error = e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(this.error);
    }
  }
}

type Body = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Streams a body into the content store as `blob`. `body` is only opened after containerd's
 * STAT reply: a blob the store already has (in this namespace, or shared from another) is never
 * fetched. Returns 'exists' in that case. Throws AgentError: a digest or size mismatch
 * (INTERNAL, ingest aborted), containerd errors. `onBytes` is called with each chunk's length.
 */
export async function writeBlob(
  client: ContainerdClient,
  blob: BlobToWrite,
  body: Body | (() => Promise<Body>),
  opts: { lease: string; onBytes?: ((n: number) => void) | undefined; what: string; timeoutMs?: number | undefined },
): Promise<'written' | 'exists'> {
  const context = `containerd Content.Write ${blob.digest}`;
  const stream = client.duplex('content', 'Write', { lease: opts.lease, timeoutMs: opts.timeoutMs ?? 10 * 60_000 });
  const replies = new Replies(stream);
  const send = async (msg: object): Promise<{ offset?: string }> => {
    stream.write(msg);
    return (await replies.next()) as { offset?: string };
  };
  try {
    let stat: { offset?: string };
    try {
      stat = await send({ action: 'STAT', ref: blob.ref, total: blob.size, expected: blob.digest });
    } catch (err) {
      if (isAlreadyExists(mapContainerdError(err, context))) return 'exists';
      throw err;
    }
    if (Number(stat.offset ?? 0) === blob.size && blob.size > 0) {
      // containerd already holds all bytes (shared from another namespace, or a finished
      // ingest): commit without sending data; containerd checks size and digest.
      await send({ action: 'COMMIT', total: blob.size, expected: blob.digest, offset: blob.size, labels: blob.labels ?? {} });
      stream.end();
      return 'exists';
    }
    const hash = createHash('sha256');
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const flush = async (): Promise<void> => {
      if (pendingLen === 0) return;
      const data = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      await send({ action: 'WRITE', offset, data });
      offset += data.length;
      opts.onBytes?.(data.length);
    };
    const source = typeof body === 'function' ? await body() : body;
    for await (const chunk of source) {
      hash.update(chunk);
      pending.push(Buffer.from(chunk));
      pendingLen += chunk.length;
      if (pendingLen >= CHUNK) await flush();
    }
    await flush();
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== blob.digest || offset !== blob.size) {
      throw new AgentError('INTERNAL', `digest mismatch for ${blob.digest} (${opts.what}): received ${got}, ${offset} of ${blob.size} bytes`, { step: 'pullImage' });
    }
    // An ingest left partly written restarts at 0 (WRITE at offset 0 truncates it).
    await send({ action: 'COMMIT', total: blob.size, expected: blob.digest, offset, labels: blob.labels ?? {} });
    stream.end();
    return 'written';
  } catch (err) {
    stream.cancel();
    await client.call('content', 'Abort', { ref: blob.ref }, { what: blob.ref }).catch(() => undefined);
    if (err instanceof AgentError) throw err;
    const mapped = mapContainerdError(err, context);
    if (/no space left/i.test(mapped.message)) throw new AgentError('RESOURCE_EXHAUSTED', `disk full while storing ${blob.digest} (${opts.what}): ${mapped.message}`, { cause: err, step: 'pullImage' });
    throw mapped;
  }
}
