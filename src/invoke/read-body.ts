/**
 * Reads a worker's response body with the size cap enforced while reading: the stream is
 * destroyed as soon as the cap is passed (or at once when Content-Length already says so),
 * so an oversized answer never sits in memory (contract §4 step 9, §8.8).
 */
import type { Readable } from 'node:stream';
import { AgentError } from '../errors.js';

/** The error for a body over the cap (the Go agent's message). Pure. */
export function tooLarge(limit: number): AgentError {
  return new AgentError('RESOURCE_EXHAUSTED', `response body too large (limit ${limit} bytes)`, { step: 'invoke' });
}

/** Destroys a body nobody will read (which closes its connection); its abort error is ignored. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * Collects `body` into one Buffer of at most `limit` bytes.
 * @param declaredLength the Content-Length header, if any.
 * @throws AgentError RESOURCE_EXHAUSTED when the body is longer than `limit` (the stream is
 *   destroyed); rethrows the stream's own error otherwise.
 */
export async function readCappedBody(
  body: Readable,
  limit: number,
  declaredLength: string | string[] | undefined,
): Promise<Buffer> {
  const declared = typeof declaredLength === 'string' ? Number(declaredLength) : Number.NaN;
  if (Number.isFinite(declared) && declared > limit) {
    discard(body);
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      discard(body);
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}
