import { describe, expect, it } from 'vitest';
import { PullProgressParser } from '../../../src/runtime/docker/pull-progress.js';
import { pullErrorCode, splitReference } from '../../../src/runtime/docker/pull-errors.js';

const line = (o: unknown): string => `${JSON.stringify(o)}\r\n`;

describe('PullProgressParser', () => {
  it('sums download progress over layers and completes layers on "Download complete"', () => {
    const p = new PullProgressParser();
    p.push(line({ status: 'Pulling from esb/echo', id: 'latest' }));
    p.push(line({ status: 'Pulling fs layer', progressDetail: {}, id: 'a' }));
    p.push(line({ status: 'Downloading', progressDetail: { current: 100, total: 1000 }, id: 'a' }));
    p.push(line({ status: 'Downloading', progressDetail: { current: 50, total: 200 }, id: 'b' }));
    expect(p.progress()).toEqual({ doneBytes: 150, totalBytes: 1200 });
    p.push(line({ status: 'Download complete', progressDetail: {}, id: 'a' }));
    expect(p.progress()).toEqual({ doneBytes: 1050, totalBytes: 1200 });
    p.push(line({ status: 'Digest: sha256:abc' }) + line({ status: 'Status: Downloaded newer image for x' }));
    p.end();
    expect(p.outcome()).toMatchObject({ digest: 'sha256:abc', lastStatus: 'Status: Downloaded newer image for x' });
    expect(p.outcome().error).toBeUndefined();
  });

  it('records an error reported inside the stream (errorDetail first)', () => {
    const p = new PullProgressParser();
    p.push(line({ status: 'Pulling from esb/echo', id: 'nope' }));
    p.push(line({ errorDetail: { message: 'manifest for 127.0.0.1:5000/esb/echo:nope not found: manifest unknown' }, error: 'short' }));
    p.end();
    expect(p.outcome().error).toBe('manifest for 127.0.0.1:5000/esb/echo:nope not found: manifest unknown');
  });

  it('records a bare "error" field', () => {
    const p = new PullProgressParser();
    p.push(line({ error: 'boom' }));
    expect(p.outcome().error).toBe('boom');
  });

  it('handles lines split across chunks and ignores non-JSON lines', () => {
    const p = new PullProgressParser();
    const text = line({ status: 'Downloading', progressDetail: { current: 7, total: 9 }, id: 'a' });
    p.push(text.slice(0, 10));
    p.push(text.slice(10) + 'garbage\n');
    p.push('{"error":"late"}');
    p.end();
    expect(p.progress()).toEqual({ doneBytes: 7, totalBytes: 9 });
    expect(p.outcome()).toMatchObject({ badLines: 1, error: 'late' });
  });
});

describe('pullErrorCode', () => {
  it.each([
    ['manifest for x not found: manifest unknown', 'NOT_FOUND'],
    ['pull access denied for x, repository does not exist or may require docker login', 'NOT_FOUND'],
    ['Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused', 'UNAVAILABLE'],
    ['unauthorized: authentication required', 'PERMISSION_DENIED'],
    ['failed to register layer: no space left on device', 'RESOURCE_EXHAUSTED'],
    ['filesystem layer verification failed for digest sha256:1', 'INTERNAL'],
  ])('maps "%s" to %s', (msg, code) => expect(pullErrorCode(msg)).toBe(code));
});

describe('splitReference', () => {
  it.each([
    ['127.0.0.1:5000/esb/echo:latest', { fromImage: '127.0.0.1:5000/esb/echo', tag: 'latest' }],
    ['127.0.0.1:5000/esb/echo', { fromImage: '127.0.0.1:5000/esb/echo', tag: 'latest' }],
    ['busybox', { fromImage: 'busybox', tag: 'latest' }],
    ['r:5000/a@sha256:abc', { fromImage: 'r:5000/a', tag: 'sha256:abc' }],
  ])('splits %s', (ref, want) => expect(splitReference(ref)).toEqual(want));
});
