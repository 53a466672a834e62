import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyDigest } from '../../../src/runtime/images/digest-verifier.js';
import { backoffDelay, isTransientNetworkError, isTransientStatus } from '../../../src/runtime/images/retry.js';

const bytes = Buffer.from('hello layer bytes');
const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
async function* chunks(...parts: Buffer[]) { for (const p of parts) yield p; }
async function drain(it: AsyncIterable<Buffer>): Promise<Buffer> { const out: Buffer[] = []; for await (const c of it) out.push(c); return Buffer.concat(out); }

describe('verifyDigest', () => {
  it('passes matching bytes through unchanged', async () => {
    expect(await drain(verifyDigest(chunks(bytes.subarray(0, 5), bytes.subarray(5)), { digest, size: bytes.length }, 'blob'))).toEqual(bytes);
  });
  it('fails with a digest mismatch before releasing the last chunk', async () => {
    const bad = Buffer.from(bytes);
    bad[3] = 0x41;
    const seen: Buffer[] = [];
    const run = async () => { for await (const c of verifyDigest(chunks(bad.subarray(0, 5), bad.subarray(5)), { digest, size: bytes.length }, 'layer X')) seen.push(c); };
    await expect(run()).rejects.toThrow(/digest mismatch for layer X: expected sha256:/);
    expect(Buffer.concat(seen).length).toBe(5);
  });
  it('fails as soon as the blob is longer than its size', async () => {
    await expect(drain(verifyDigest(chunks(bytes, bytes), { digest, size: bytes.length }, 'b'))).rejects.toThrow(/size mismatch for b: expected 17 bytes, got 34 or more/);
  });
  it('fails when the blob is shorter than its size', async () => {
    await expect(drain(verifyDigest(chunks(bytes.subarray(0, 3)), { digest, size: bytes.length }, 'b'))).rejects.toThrow(/size mismatch/);
  });
  it('checks only the size of a resumed write', async () => {
    expect(await drain(verifyDigest(chunks(Buffer.from('zzzzz')), { digest, size: 10 }, 'b', 5))).toEqual(Buffer.from('zzzzz'));
  });
});

describe('retry classification', () => {
  it('retries 429, 5xx and connect errors, not 4xx', () => {
    expect([429, 500, 502, 503, 404, 401, 501].map(isTransientStatus)).toEqual([true, true, true, true, false, false, false]);
    expect(isTransientNetworkError(Object.assign(new Error('x'), { cause: { code: 'ECONNREFUSED' } }))).toBe(true);
    expect(isTransientNetworkError(new Error('x'))).toBe(false);
  });
  it('backs off exponentially up to the cap', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 300 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(p, n, () => 0.5))).toEqual([100, 200, 300, 300]);
  });
});
