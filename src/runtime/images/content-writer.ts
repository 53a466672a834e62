/**
 * Streaming blob writes into containerd's content store (Content.Write, containerd-api.md §2):
 * STAT with the expected digest and size (ALREADY_EXISTS = the blob is there, also when another
 * namespace has it), resume from the ingest's offset, lock-step 1 MiB WRITEs, COMMIT with labels,
 * over the adapter client's bidirectional stream (namespace and lease headers included).
 */
import type * as grpc from '@grpc/grpc-js';
import { AgentError } from '../../errors.js';
import type { ContainerdClient } from '../containerd/client.js';
import { mapContainerdError } from '../containerd/grpc-errors.js';

const CHUNK = 1024 * 1024;

/** The source of a blob: opened at `offset`, returns where it really starts (0 = from scratch). */
export type BlobSource = (offset: number) => Promise<{ chunks: AsyncIterable<Buffer>; offset: number; close(): void }>;

export interface WriteBlobRequest {
  /** Ingest ref (`layer-<digest>` …); the same ref resumes a partial ingest. */
  ref: string;
  digest: string;
  size: number;
  /** Labels stored with the committed blob. */
  labels?: Record<string, string> | undefined;
  lease?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Bytes stored so far, for progress (called with deltas; a resumed or shared blob counts its stored part). */
  onBytes?: ((delta: number) => void) | undefined;
  /** Longest wait for one reply of containerd. @default client.callTimeoutMs, at least 30 s */
  replyTimeoutMs?: number | undefined;
}

interface WriteReply { action: string; offset: string | number; total: string | number; digest: string }

/**
 * Writes one blob unless present. Returns 'exists' when containerd already had it (nothing
 * was read from `open`), 'written' otherwise. Throws the source's error (e.g. a digest
 * mismatch), or the mapped containerd error (FAILED_PRECONDITION on a bad commit).
 */
export async function writeBlob(client: ContainerdClient, req: WriteBlobRequest, open: BlobSource): Promise<'exists' | 'written'> {
  const call = client.duplex('content', 'Write', { lease: req.lease }) as grpc.ClientDuplexStream<object, WriteReply>;
  const lock = new LockStep(call, `containerd Content.Write ${req.ref}`, Math.max(req.replyTimeoutMs ?? client.callTimeoutMs, 30_000), req.signal);
  let source: Awaited<ReturnType<BlobSource>> | undefined;
  try {
    const stat = await lock.send({ action: 'STAT', ref: req.ref, total: req.size, expected: req.digest });
    if (stat === 'exists') return 'exists';
    let offset = Number(stat.offset);
    if (offset > req.size) offset = 0;
    if (offset > 0) req.onBytes?.(offset);
    // offset == size: the ingest is complete, or containerd shares the blob from another
    // namespace; either way only the commit is left (as the Go fetcher does).
    if (offset < req.size) {
      source = await open(offset);
      if (source.offset < offset) req.onBytes?.(source.offset - offset);
      offset = source.offset;
      offset = await writeChunks(lock, source.chunks, offset, req.onBytes);
    }
    const done = await lock.send({ action: 'COMMIT', total: req.size, expected: req.digest, offset, labels: req.labels ?? {} });
    call.end();
    return done === 'exists' ? 'exists' : 'written';
  } finally {
    source?.close();
    lock.dispose();
  }
}

/** Lock-step WRITEs from `offset` (0 truncates a partial ingest); returns the final offset. */
async function writeChunks(lock: LockStep, chunks: AsyncIterable<Buffer>, offset: number, onBytes?: (delta: number) => void): Promise<number> {
  for await (const chunk of rechunk(chunks)) {
    const reply = await lock.send({ action: 'WRITE', offset, data: chunk });
    if (reply === 'exists') return offset;
    const next = Number(reply.offset);
    onBytes?.(next - offset);
    offset = next;
  }
  return offset;
}

/** Re-slices a byte stream into chunks of at most 1 MiB, merging small ones. */
async function* rechunk(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let n = 0;
  for await (const c of src) {
    parts.push(c);
    n += c.length;
    while (n >= CHUNK) {
      const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
      yield all.subarray(0, CHUNK);
      const rest = all.subarray(CHUNK);
      parts = rest.length ? [rest] : [];
      n = rest.length;
    }
  }
  if (n > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
}

/** Send one message, wait for its reply; the stream's first error rejects the pending send. */
class LockStep {
  private waiter: { resolve: (r: WriteReply) => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  private readonly queue: WriteReply[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => this.call.cancel();

  constructor(private readonly call: grpc.ClientDuplexStream<object, WriteReply>, private readonly context: string,
    private readonly timeoutMs: number, private readonly signal?: AbortSignal) {
    call.on('data', (r: WriteReply) => {
      if (this.waiter) { const w = this.waiter; this.waiter = undefined; w.resolve(r); } else this.queue.push(r);
    });
    call.on('error', (err) => this.fail(err));
    call.on('end', () => this.fail(new AgentError('INTERNAL', `${context}: stream ended early`, { step: 'containerd' })));
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Resolves with the reply, or 'exists' when containerd says the blob already exists. */
  async send(msg: object): Promise<WriteReply | 'exists'> {
    if (this.signal?.aborted) throw cancelled(this.context, this.signal);
    this.queue.length = 0; // the duplicate COMMIT reply of containerd 1.6
    this.call.write(msg);
    try {
      return await new Promise<WriteReply>((resolve, reject) => {
        if (this.failure) return reject(this.failure);
        this.waiter = { resolve, reject };
        this.timer = setTimeout(() => {
          this.call.cancel();
          reject(new AgentError('DEADLINE_EXCEEDED', `${this.context}: containerd did not answer within ${this.timeoutMs} ms`, { step: 'containerd' }));
        }, this.timeoutMs);
      });
    } catch (err) {
      if (this.signal?.aborted) throw cancelled(this.context, this.signal);
      const mapped = mapContainerdError(err, this.context);
      if (mapped.code === 'ALREADY_EXISTS') return 'exists';
      throw mapped;
    } finally {
      clearTimeout(this.timer);
    }
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (!this.failure) { this.failure = new Error('closed'); this.call.cancel(); }
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }
}

function cancelled(context: string, signal: AbortSignal): AgentError {
  return new AgentError('CANCELLED', `${context}: cancelled`, { cause: signal.reason, step: 'containerd' });
}
