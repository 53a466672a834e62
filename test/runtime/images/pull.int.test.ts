import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getImageRecord } from '../../../src/runtime/images/image-record.js';
import { createIsolation, ctr, lines, requireRuntimes, waitFor, type TestIsolation } from '../../helpers/index.js';
import { invoke, makeRuntime, workerSpec } from '../containerd/support.js';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy.js';
import { ECHO_REPO, makePuller, type PullerKit } from './support.js';
import { makeSyntheticImage } from './synthetic-image.js';

const rt = await requireRuntimes(['containerd', 'registry', 'cni', 'image'], 'images pull.int.test.ts');

describe.skipIf(!rt.ok)('ImagePuller against the local registry', () => {
  let iso: TestIsolation;
  let proxy: RegistryProxy;
  let kit: PullerKit;
  beforeEach(async () => {
    iso = await createIsolation('img-pull');
    proxy = await startRegistryProxy();
    kit = makePuller(iso);
  });
  afterEach(async () => {
    await kit.close();
    await proxy.close();
    await iso.cleanup();
  });

  it('goes from no image to a pulled, unpacked image a worker runs from', async () => {
    const ref = `${proxy.host}/${ECHO_REPO}`;
    const progress: Array<{ doneBytes: number; totalBytes: number }> = [];
    const info = await kit.puller.ensureImage(ref, { onProgress: (p) => progress.push(p) });
    expect(info).toMatchObject({ ref, pulled: true });
    // the layer may be shared from another namespace (then committed without a download)
    expect(progress.at(-1)).toEqual({ doneBytes: 42_378_909, totalBytes: 42_378_909 });
    expect(lines(await ctr(iso.namespace, ['images', 'check'])).join('\n')).toMatch(/complete \(2\/2\).*true/);
    const runtime = await makeRuntime(iso);
    try {
      expect(await runtime.ensureImage(ref, {})).toMatchObject({ ref });
      const spec = workerSpec(iso, ref);
      await runtime.create(spec, {});
      const { ipAddress } = await runtime.setupNetwork(spec.name, {});
      await runtime.start(spec.name, {});
      const reply = await waitInvoke(ipAddress);
      expect(reply['statusCode']).toBe(200);
      await runtime.stop(spec.name, { graceMs: 2000 });
      await runtime.teardownNetwork(spec.name, {});
      await runtime.remove(spec.name, {});
    } finally {
      await runtime.close?.();
    }
    await iso.assertNothingLeft();
  });

  it('makes no registry request with if-not-present when the image is present', async () => {
    const ref = `${proxy.host}/${ECHO_REPO}`;
    await kit.puller.ensureImage(ref, {});
    const before = proxy.paths.length;
    expect(await kit.puller.ensureImage(ref, { policy: 'if-not-present' })).toMatchObject({ pulled: false });
    expect(proxy.paths.length).toBe(before);
    await iso.assertNothingLeft();
  });

  it('shares one pull among 10 concurrent callers: one manifest and one download per layer', async () => {
    const img = makeSyntheticImage(2);
    const ref = proxy.serve(iso.brand, ['v1'], img);
    const all = await Promise.all(Array.from({ length: 10 }, () => kit.puller.ensureImage(ref, {})));
    expect(new Set(all.map((i) => i.digest))).toEqual(new Set([img.manifestDigest]));
    expect(proxy.manifestRequests()).toBe(1);
    for (const l of img.layers) expect(proxy.blobRequests(l.digest)).toBe(1);
    await iso.assertNothingLeft();
  });

  it('reuses the content of another tag of the same digest (no second download)', async () => {
    const img = makeSyntheticImage(1);
    const ref = proxy.serve(iso.brand, ['a', 'b'], img);
    await kit.puller.ensureImage(ref, {});
    expect(proxy.blobRequests()).toBe(2);
    expect(await kit.puller.ensureImage(ref.replace(/:a$/, ':b'), {})).toMatchObject({ pulled: true, digest: img.manifestDigest });
    expect(proxy.blobRequests()).toBe(2);
    await iso.assertNothingLeft();
  });

  it('keeps a shared pull going when one caller cancels, and stops it when every caller has', async () => {
    const img = makeSyntheticImage(2, 4 * 1024 * 1024);
    const ref = proxy.serve(iso.brand, ['v1'], img);
    const quitter = new AbortController();
    const a = kit.puller.ensureImage(ref, { signal: quitter.signal });
    const b = kit.puller.ensureImage(ref, {});
    quitter.abort();
    await expect(a).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await b).toMatchObject({ pulled: true, digest: img.manifestDigest });
    const other = proxy.serve(`${iso.brand}-2`, ['v1'], makeSyntheticImage(2, 4 * 1024 * 1024));
    const alone = new AbortController();
    const c = kit.puller.ensureImage(other, { signal: alone.signal });
    alone.abort();
    await expect(c).rejects.toMatchObject({ code: 'CANCELLED' });
    await waitFor(async () => (await iso.findLeftovers()).length === 0 && (await getImageRecord(kit.client, other)) === undefined, { what: 'the cancelled pull to clean up' });
    await iso.assertNothingLeft();
  });

  it('fails with NOT_FOUND naming the tag and the registry for an unknown tag', async () => {
    const ref = `${proxy.host}/esb/echo:no-such-tag`;
    await expect(kit.puller.ensureImage(ref, {})).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(new RegExp(`"${ref}" not found in registry ${proxy.host}`)) });
    await iso.assertNothingLeft();
  });

  it('fails with a digest error and leaves no image record when a layer is corrupted', async () => {
    const img = makeSyntheticImage(1);
    const ref = proxy.serve(iso.brand, ['v1'], img);
    proxy.corrupt(img.layers[0]!.digest);
    await expect(kit.puller.ensureImage(ref, {})).rejects.toThrow(new RegExp(`digest mismatch for layer ${img.layers[0]!.digest}`));
    expect(await getImageRecord(kit.client, ref)).toBeUndefined();
    expect(lines(await ctr(iso.namespace, ['images', 'ls', '-q']))).toEqual([]);
    await iso.assertNothingLeft();
  });

  it('fails fast with never when the image is absent, without asking the registry', async () => {
    const ref = `${proxy.host}/${ECHO_REPO}`;
    await expect(kit.puller.ensureImage(ref, { policy: 'never' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('IMAGE_PULL_POLICY=never') });
    expect(proxy.paths).toEqual([]);
  });

  it('falls back to the present image with always when the registry is down, and logs it', async () => {
    const ref = `${proxy.host}/${ECHO_REPO}`;
    await kit.puller.ensureImage(ref, {});
    await proxy.close();
    expect(await kit.puller.ensureImage(ref, { policy: 'always' })).toMatchObject({ ref, pulled: false });
    expect(kit.warnings.join('\n')).toMatch(/pull failed with IMAGE_PULL_POLICY=always; using the image already present/);
    await iso.assertNothingLeft();
  });
});

async function waitInvoke(ip: string): Promise<Record<string, unknown>> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      return await invoke(ip, { hello: 'images' });
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
