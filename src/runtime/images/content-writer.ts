/**
 * Streaming blob writes into containerd's content store (Content.Write):
 * STAT with the expected digest and size (ALREADY_EXISTS = the blob is there, also when another
 * namespace has it), resume from the ingest's offset, pipelined 1 MiB WRITEs, COMMIT with labels,
 * over the adapter client's bidirectional stream (namespace and lease headers included).
 */
import type * as grpc from '@grpc/grpc-js';
import { AgentError } from '../../errors.js';
import type { ContainerdClient } from '../containerd/client.js';
import { WriteStream, type WriteReply } from './write-stream.js';

const CHUNK = 1024 * 1024;
/** WRITE messages in flight at once (1 = the Go client's lock-step). */
const WINDOW = 4;

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

/**
 * Writes one blob unless present. Returns 'exists' when containerd already had it (nothing
 * was read from `open`), 'written' otherwise. Throws the source's error (e.g. a digest
 * mismatch), or the mapped containerd error (FAILED_PRECONDITION on a bad commit).
 */
export async function writeBlob(client: ContainerdClient, req: WriteBlobRequest, open: BlobSource): Promise<'exists' | 'written'> {
  const call = client.duplex('content', 'Write', { lease: req.lease }) as grpc.ClientDuplexStream<object, WriteReply>;
  const ws = new WriteStream(call, `containerd Content.Write ${req.ref}`, Math.max(req.replyTimeoutMs ?? client.callTimeoutMs, 30_000), req.signal);
  let source: Awaited<ReturnType<BlobSource>> | undefined;
  try {
    const stat = await ws.send({ action: 'STAT', ref: req.ref, total: req.size, expected: req.digest });
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
      offset = await writeChunks(ws, source.chunks, offset, req.onBytes);
    }
    const done = await ws.send({ action: 'COMMIT', total: req.size, expected: req.digest, offset, labels: req.labels ?? {} });
    ws.end();
    return done === 'exists' ? 'exists' : 'written';
  } finally {
    source?.close();
    ws.dispose();
  }
}

/**
 * WRITEs from `offset` (0 truncates a partial ingest), up to {@link WINDOW} in flight so the
 * download and containerd's disk writes overlap; returns the final offset. Every reply's offset
 * must be where that WRITE ended, else containerd and we disagree and the write fails.
 */
async function writeChunks(ws: WriteStream, chunks: AsyncIterable<Buffer>, offset: number, onBytes?: (delta: number) => void): Promise<number> {
  const inflight: Array<{ end: number; reply: Promise<WriteReply | 'exists'> }> = [];
  let acked = offset;
  const settleOne = async (): Promise<void> => {
    const { end, reply } = inflight.shift()!;
    const r = await reply;
    if (r !== 'exists' && Number(r.offset) !== end) {
      throw new AgentError('INTERNAL', `containerd Content.Write: offset ${String(r.offset)} after a write ending at ${end}`, { step: 'containerd' });
    }
    onBytes?.(end - acked);
    acked = end;
  };
  try {
    for await (const chunk of rechunk(chunks)) {
      const reply = ws.send({ action: 'WRITE', offset, data: chunk });
      reply.catch(() => undefined);
      offset += chunk.length;
      inflight.push({ end: offset, reply });
      if (inflight.length >= WINDOW) await settleOne();
    }
    while (inflight.length) await settleOne();
  } finally {
    for (const i of inflight) i.reply.catch(() => undefined);
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
