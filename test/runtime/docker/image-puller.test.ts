import { describe, expect, it, vi } from 'vitest';
import { ImagePuller } from '../../../src/runtime/docker/image-puller.js';
import type { PullPolicy } from '../../../src/runtime/docker/docker-options.js';
import { StubDocker, httpError, jsonLines } from './stub-docker.js';
import { PassThrough } from 'node:stream';

const REF = '127.0.0.1:5000/esb/echo:latest';

function puller(stub: StubDocker, policy: PullPolicy, warn = vi.fn()) {
  const logger = { debug: vi.fn(), info: vi.fn(), warn };
  return new ImagePuller({
    client: stub.client(), policy, callTimeoutMs: 500, pullTimeoutMs: 2000, pullIdleTimeoutMs: 1000, logger, now: Date.now, endpoint: 'stub',
  });
}

const okPull = () => jsonLines([
  { status: 'Pulling from esb/echo', id: 'latest' },
  { status: 'Downloading', progressDetail: { current: 10, total: 40 }, id: 'l1' },
  { status: 'Download complete', id: 'l1' },
  { status: 'Digest: sha256:feed' },
]);
const present = () => ({ Id: 'sha256:img', RepoDigests: ['127.0.0.1:5000/esb/echo@sha256:feed'] });
const absent = () => Promise.reject(httpError(404, `No such image: ${REF}`));

describe('ImagePuller', () => {
  it('does not touch the registry with if-not-present when the image is present', async () => {
    const stub = new StubDocker().on('imageInspect', present);
    const info = await puller(stub, 'if-not-present').ensure(REF, {});
    expect(info).toEqual({ ref: REF, digest: 'sha256:feed', pulled: false });
    expect(stub.count('createImage')).toBe(0);
  });

  it('pulls with if-not-present when absent and reports progress', async () => {
    const stub = new StubDocker().on('imageInspect', absent).on('createImage', okPull);
    const progress: unknown[] = [];
    const info = await puller(stub, 'if-not-present').ensure(REF, { onProgress: (p) => progress.push(p) });
    expect(info).toEqual({ ref: REF, digest: 'sha256:feed', pulled: true });
    expect(stub.calls.find((c) => c.method === 'createImage')?.opts).toMatchObject({ fromImage: '127.0.0.1:5000/esb/echo', tag: 'latest' });
    expect(progress.at(-1)).toEqual({ doneBytes: 40, totalBytes: 40 });
  });

  it('fails fast with never when the image is absent', async () => {
    const stub = new StubDocker().on('imageInspect', absent);
    await expect(puller(stub, 'never').ensure(REF, {})).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('IMAGE_PULL_POLICY=never') });
    expect(stub.count('createImage')).toBe(0);
  });

  it('fails the pull on an error inside the progress stream', async () => {
    const stub = new StubDocker().on('imageInspect', absent).on('createImage', () =>
      jsonLines([{ status: 'Pulling from esb/echo', id: 'nope' }, { errorDetail: { message: 'manifest for x:nope not found: manifest unknown' }, error: 'x' }]),
    );
    await expect(puller(stub, 'if-not-present').ensure(REF, {})).rejects.toMatchObject({ code: 'NOT_FOUND', step: 'pullImage', message: expect.stringContaining('manifest unknown') });
  });

  it('always: falls back to the present image with a warning when the registry fails', async () => {
    const warn = vi.fn();
    const stub = new StubDocker().on('imageInspect', present).on('createImage', () => Promise.reject(httpError(500, 'Get "http://r/v2/": connection refused')));
    const info = await puller(stub, 'always', warn).ensure(REF, {});
    expect(info.pulled).toBe(false);
    expect(warn).toHaveBeenCalledOnce();
  });

  it('always: rethrows the pull error when the image is absent', async () => {
    const stub = new StubDocker().on('imageInspect', absent).on('createImage', () => jsonLines([{ error: 'connection refused' }]));
    await expect(puller(stub, 'always').ensure(REF, {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('collapses concurrent pulls of one reference into one', async () => {
    const stream = new PassThrough();
    const stub = new StubDocker().on('imageInspect', absent).on('createImage', () => stream);
    const p = puller(stub, 'if-not-present');
    const all = Promise.all([p.ensure(REF, {}), p.ensure(REF, {}), p.ensure(REF, {})]);
    await vi.waitFor(() => expect(stub.count('createImage')).toBe(1));
    stream.end(`${JSON.stringify({ status: 'Digest: sha256:one' })}\n`);
    expect((await all).map((i) => i.digest)).toEqual(['sha256:one', 'sha256:one', 'sha256:one']);
    expect(stub.count('createImage')).toBe(1);
  });

  it('lets one waiter cancel without cancelling the shared pull', async () => {
    const stream = new PassThrough();
    const stub = new StubDocker().on('imageInspect', absent).on('createImage', () => stream);
    const p = puller(stub, 'if-not-present');
    const ac = new AbortController();
    const cancelled = p.ensure(REF, { signal: ac.signal });
    const kept = p.ensure(REF, {});
    await vi.waitFor(() => expect(stub.count('createImage')).toBe(1));
    ac.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(stream.destroyed).toBe(false);
    stream.end(`${JSON.stringify({ status: 'Digest: sha256:two' })}\n`);
    await expect(kept).resolves.toMatchObject({ digest: 'sha256:two' });
  });

  it('aborts the shared pull when its last waiter cancels', async () => {
    const stream = new PassThrough();
    const stub = new StubDocker().on('imageInspect', absent).on('createImage', () => stream);
    const ac = new AbortController();
    const p = puller(stub, 'if-not-present').ensure(REF, { signal: ac.signal });
    await vi.waitFor(() => expect(stub.count('createImage')).toBe(1));
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    await vi.waitFor(() => expect(stream.destroyed).toBe(true));
  });

  it('aborts a pull stream that goes silent', async () => {
    const stub = new StubDocker().on('imageInspect', absent).on('createImage', () => new PassThrough());
    const p = new ImagePuller({ client: stub.client(), policy: 'if-not-present', callTimeoutMs: 500, pullTimeoutMs: 5000, pullIdleTimeoutMs: 50, logger: { debug() {}, info() {}, warn() {} }, now: Date.now, endpoint: 's' });
    await expect(p.ensure(REF, {})).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });
});
