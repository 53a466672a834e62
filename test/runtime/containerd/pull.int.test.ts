import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/errors.js';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import type { PullProgress } from '../../../src/runtime/container-runtime.js';
import { createIsolation, ctr, lines, requireRuntimes, waitFor, type TestIsolation } from '../../helpers/index.js';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy.js';
import { invoke, makeRuntime, workerSpec } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'registry'], 'test/runtime/containerd/pull.int.test.ts');

describe.skipIf(!rt.ok)('containerd adapter image pulls', () => {
  let iso: TestIsolation;
  let proxy: RegistryProxy;
  let runtime: ContainerdRuntime | undefined;
  beforeEach(async () => {
    iso = await createIsolation('cd-pull');
    proxy = await startRegistryProxy();
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await proxy.close();
    await iso.cleanup();
  });

  it('goes from a registry pull with progress to a worker that answers, then a second ensure without any registry request', async () => {
    runtime = await makeRuntime(iso);
    const ref = `${proxy.host}/esb/echo:latest`;
    const progress: PullProgress[] = [];
    const info = await runtime.ensureImage(ref, { onProgress: (p) => progress.push(p) });
    expect(info).toMatchObject({ ref, pulled: true });
    expect(info.digest).toMatch(/^sha256:/);
    const last = progress.at(-1)!;
    expect(last.totalBytes).toBeGreaterThan(1_000_000);
    expect(last.doneBytes).toBe(last.totalBytes);
    expect(lines(await ctr(iso.namespace, ['images', 'ls', '-q']))).toEqual([ref]);
    expect(await ctr(iso.namespace, ['images', 'check'])).toMatch(/complete/);

    const before = proxy.count('/v2/');
    expect((await runtime.ensureImage(ref, {})).pulled).toBe(false);
    expect(proxy.count('/v2/')).toBe(before);

    const spec = workerSpec(iso, ref, 'pulled');
    await runtime.create(spec, {});
    const { ipAddress } = await runtime.setupNetwork(spec.name, {});
    await runtime.start(spec.name, {});
    expect((await waitFor(() => invoke(ipAddress, { pulled: true }), { what: 'worker' }))['echo']).toEqual({ pulled: true });
    await runtime.stop(spec.name, { graceMs: 5000 });
    await runtime.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('goes from 10 concurrent ensures of a new image to one manifest and one layer download', async () => {
    runtime = await makeRuntime(iso);
    const ref = `${proxy.host}/esb/echo:latest`;
    const r = runtime;
    const infos = await Promise.all(Array.from({ length: 10 }, () => r.ensureImage(ref, {})));
    expect(new Set(infos.map((i) => i.digest)).size).toBe(1);
    expect(proxy.count('/manifests/', 'HEAD')).toBe(1);
    const blobGets = [...proxy.counts].filter(([k]) => k.startsWith('GET ') && k.includes('/blobs/'));
    expect(blobGets.every(([, n]) => n === 1)).toBe(true);
    // config always; the layer unless containerd already holds its bytes for another namespace
    expect(blobGets.length).toBeGreaterThanOrEqual(1);
    expect(blobGets.length).toBeLessThanOrEqual(2);
  });

  it('goes from an unknown tag to NOT_FOUND naming the tag and the registry', async () => {
    runtime = await makeRuntime(iso);
    const err = (await runtime.ensureImage(`${proxy.host}/esb/echo:no-such-tag`, {}).catch((e: unknown) => e)) as AgentError;
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('no-such-tag');
    expect(err.message).toContain(proxy.host);
  });

  // The config blob is always fetched and verified; layer bytes containerd already holds (shared
  // from another namespace) are not fetched at all, so corrupting only the layer would be racy.
  it('goes from a corrupted blob to a digest error and no image record', async () => {
    runtime = await makeRuntime(iso);
    const ref = `${proxy.host}/esb/echo:latest`;
    const manifest = (await (await fetch(`http://${proxy.host}/v2/esb/echo/manifests/latest`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    })).json()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    proxy.corrupt.add(manifest.config.digest);
    for (const l of manifest.layers) proxy.corrupt.add(l.digest);
    const err = (await runtime.ensureImage(ref, {}).catch((e: unknown) => e)) as AgentError;
    expect(err).toBeInstanceOf(AgentError);
    expect(err.message).toMatch(/digest mismatch/);
    expect(lines(await ctr(iso.namespace, ['images', 'ls', '-q']))).toEqual([]);
    expect(lines(await ctr(iso.namespace, ['leases', 'ls', '-q']))).toEqual([]);
  });

  it('goes from policy never with the image absent to a fast NOT_FOUND, and always falls back to a present image', async () => {
    runtime = await makeRuntime(iso, { pullPolicy: 'never' });
    const ref = `${proxy.host}/esb/echo:latest`;
    await expect(runtime.ensureImage(ref, {})).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('IMAGE_PULL_POLICY is never') });
    expect(proxy.count('/v2/')).toBe(0);
    await runtime.close();
    runtime = await makeRuntime(iso, { pullPolicy: 'always' });
    expect((await runtime.ensureImage(ref, {})).pulled).toBe(true);
    await proxy.close();
    const again = await runtime.ensureImage(ref, {});
    expect(again).toMatchObject({ ref, pulled: false });
  });
});
