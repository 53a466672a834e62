import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullProgress } from '../../../src/runtime/container-runtime.js';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import { createIsolation, ctr, lines, requireRuntimes, waitFor, type TestIsolation } from '../../helpers/index.js';
import { invoke, makeRuntime, workerSpec } from '../containerd/support.js';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy.js';
import { ECHO_REPO } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'registry'], 'images adapter-pull.int.test.ts');

// The containerd adapter's ensureImage is the images ImagePuller, configured from the adapter's
// options (IMAGE_PULL_POLICY, registry): these tests go through the adapter, not the puller.
describe.skipIf(!rt.ok)('containerd adapter ensureImage through ImagePuller', () => {
  let iso: TestIsolation;
  let proxy: RegistryProxy;
  let runtime: ContainerdRuntime | undefined;
  beforeEach(async () => {
    iso = await createIsolation('img-adapter');
    proxy = await startRegistryProxy();
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await proxy.close();
    await iso.cleanup();
  });

  it('goes from 10 concurrent ensures to one manifest request, full progress, a worker that answers, then no registry request', async () => {
    runtime = await makeRuntime(iso);
    const ref = `${proxy.host}/${ECHO_REPO}`;
    const progress: PullProgress[] = [];
    const r = runtime;
    const infos = await Promise.all(Array.from({ length: 10 }, (_, i) => r.ensureImage(ref, i === 0 ? { onProgress: (p) => progress.push(p) } : {})));
    expect(new Set(infos.map((i) => i.digest)).size).toBe(1);
    expect(infos[0]).toMatchObject({ ref, pulled: true });
    expect(proxy.manifestRequests()).toBe(1); // GET and HEAD together
    for (const p of new Set(proxy.paths.filter((x) => x.includes('/blobs/')))) expect(proxy.paths.filter((x) => x === p).length).toBe(1);
    const last = progress.at(-1)!;
    expect(last.totalBytes).toBeGreaterThan(1_000_000);
    expect(last.doneBytes).toBe(last.totalBytes);
    expect(lines(await ctr(iso.namespace, ['images', 'ls', '-q']))).toEqual([ref]);

    const before = proxy.paths.length;
    expect(await runtime.ensureImage(ref, {})).toMatchObject({ ref, pulled: false });
    expect(proxy.paths.length).toBe(before);

    const spec = workerSpec(iso, ref, 'pulled');
    await runtime.create(spec, {});
    const { ipAddress } = await runtime.setupNetwork(spec.name, {});
    await runtime.start(spec.name, {});
    expect((await waitFor(() => invoke(ipAddress, { pulled: true }), { what: 'worker' }))['echo']).toEqual({ pulled: true });
    await runtime.stop(spec.name, { graceMs: 5000 });
    await runtime.teardownNetwork(spec.name, {});
    await runtime.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('goes from pullPolicy never with the image absent to a fast NOT_FOUND, and from always to a pull that falls back to the present image', async () => {
    const ref = `${proxy.host}/${ECHO_REPO}`;
    runtime = await makeRuntime(iso, { pullPolicy: 'never' });
    await expect(runtime.ensureImage(ref, {})).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('IMAGE_PULL_POLICY=never') });
    expect(proxy.paths).toEqual([]);
    await runtime.close();
    runtime = await makeRuntime(iso, { pullPolicy: 'always' });
    expect(await runtime.ensureImage(ref, {})).toMatchObject({ ref, pulled: true });
    expect(proxy.manifestRequests()).toBe(1);
    expect(await runtime.ensureImage(ref, {})).toMatchObject({ ref });
    expect(proxy.manifestRequests()).toBe(2); // always asks the registry again
    await proxy.close();
    expect(await runtime.ensureImage(ref, {})).toMatchObject({ ref, pulled: false });
    await iso.assertNothingLeft();
  });
});
