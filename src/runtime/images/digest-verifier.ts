/**
 * Streaming sha256 + size check: blob bytes pass through unchanged while they are hashed; the
 * stream fails at the end (or as soon as the size is exceeded) when they do not match.
 */
import { createHash } from 'node:crypto';
import { AgentError } from '../../errors.js';

/** Thrown when a blob's bytes do not match its descriptor. */
export function digestMismatch(what: string, expected: string, actual: string): AgentError {
  return new AgentError('INTERNAL', `digest mismatch for ${what}: expected ${expected}, got ${actual} (corrupted download or registry content)`, { step: 'pullImage' });
}

/** Thrown when a blob is longer or shorter than its descriptor says. */
export function sizeMismatch(what: string, expected: number, actual: number): AgentError {
  return new AgentError('INTERNAL', `size mismatch for ${what}: expected ${expected} bytes, got ${actual}${actual > expected ? ' or more' : ''}`, { step: 'pullImage' });
}

/**
 * Yields the chunks of `source` unchanged and verifies their sha256 and total size against
 * `expected`. Throws a digest or size mismatch (INTERNAL) before the last chunk is released,
 * so a consumer that commits only after the iteration ends never commits bad bytes.
 * `startOffset` > 0 means the bytes before it are already stored (a resumed write): only the
 * size is checked here and the digest is left to containerd's commit check.
 */
export async function* verifyDigest(
  source: AsyncIterable<Uint8Array>,
  expected: { digest: string; size: number },
  what: string,
  startOffset = 0,
): AsyncGenerator<Buffer> {
  const hash = startOffset === 0 ? createHash('sha256') : undefined;
  let seen = startOffset;
  let pending: Buffer | undefined;
  for await (const raw of source) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    seen += chunk.length;
    if (seen > expected.size) throw sizeMismatch(what, expected.size, seen);
    hash?.update(chunk);
    if (pending) yield pending;
    pending = chunk;
  }
  if (seen !== expected.size) throw sizeMismatch(what, expected.size, seen);
  if (hash) {
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== expected.digest) throw digestMismatch(what, expected.digest, actual);
  }
  if (pending) yield pending;
}

/** Pure. `sha256:<hex>` of a buffer. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
