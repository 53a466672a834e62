import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runImageCommand } from '../../../src/cli/image-command.js';
import { importImageArchive } from '../../../src/runtime/images/import-archive.js';
import { createIsolation, ctr, lines, requireRuntimes, WORKER_IMAGE_REF, WORKER_IMAGE_TAR, waitFor, type TestIsolation } from '../../helpers/index.js';
import { invoke, makeRuntime, workerSpec } from '../containerd/support.js';
import { makePuller } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'images import.int.test.ts');

describe.skipIf(!rt.ok)('importImageArchive', () => {
  let iso: TestIsolation;
  beforeEach(async () => { iso = await createIsolation('img-import'); });
  afterEach(async () => { await iso.cleanup(); });

  it('goes from the echo OCI archive to an unpacked image that if-not-present accepts', async () => {
    const [img] = await importImageArchive(WORKER_IMAGE_TAR, { namespace: iso.namespace });
    expect(img!.names).toEqual([WORKER_IMAGE_REF]);
    expect(lines(await ctr(iso.namespace, ['images', 'check'])).join('\n')).toMatch(/complete \(2\/2\).*true/);
    const kit = makePuller(iso);
    try {
      expect(await kit.puller.ensureImage(WORKER_IMAGE_REF, { policy: 'never' })).toMatchObject({ pulled: false, digest: img!.digest });
    } finally {
      await kit.close();
    }
    await iso.assertNothingLeft();
  });

  it('goes from an import done twice to one image record a worker of the adapter runs from with policy never', async () => {
    const [first] = await importImageArchive(WORKER_IMAGE_TAR, { namespace: iso.namespace });
    const [again] = await importImageArchive(WORKER_IMAGE_TAR, { namespace: iso.namespace });
    expect(again).toEqual(first);
    expect(lines(await ctr(iso.namespace, ['images', 'ls', '-q']))).toEqual([WORKER_IMAGE_REF]);
    expect(lines(await ctr(iso.namespace, ['leases', 'ls', '-q']))).toEqual([]);
    const runtime = await makeRuntime(iso, { pullPolicy: 'never' });
    try {
      expect(await runtime.ensureImage(WORKER_IMAGE_REF, {})).toMatchObject({ pulled: false, digest: first!.digest });
      const spec = workerSpec(iso, WORKER_IMAGE_REF, 'imported');
      await runtime.create(spec, {});
      const { ipAddress } = await runtime.setupNetwork(spec.name, {});
      await runtime.start(spec.name, {});
      expect((await waitFor(() => invoke(ipAddress, { imported: 1 }), { what: 'worker' }))['echo']).toEqual({ imported: 1 });
      await runtime.stop(spec.name, { graceMs: 5000 });
      await runtime.teardownNetwork(spec.name, {});
      await runtime.remove(spec.name, {});
    } finally {
      await runtime.close();
    }
    await iso.assertNothingLeft();
  });

  it('imports a docker-archive (no index.json) under its RepoTags through the CLI', async () => {
    const src = join(iso.workDir, 'docker');
    mkdirSync(src);
    execFileSync('tar', ['-C', src, '-xf', WORKER_IMAGE_TAR, 'manifest.json', 'blobs']);
    const manifest = JSON.parse(execFileSync('cat', [join(src, 'manifest.json')]).toString()) as Array<{ RepoTags: string[] }>;
    manifest[0]!.RepoTags = [`${iso.brand}/docker-archive:v1`];
    writeFileSync(join(src, 'manifest.json'), JSON.stringify(manifest));
    const tar = join(iso.workDir, 'docker.tar');
    execFileSync('tar', ['-C', src, '-cf', tar, 'manifest.json', 'blobs']);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runImageCommand(['import', tar, '--namespace', iso.namespace], { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } });
    expect({ code, err: err.join('') }).toEqual({ code: 0, err: '' });
    expect(out.join('')).toMatch(new RegExp(`imported docker.io/${iso.brand}/docker-archive:v1 sha256:`));
    expect(lines(await ctr(iso.namespace, ['images', 'check'])).join('\n')).toMatch(/docker-archive:v1.*complete \(2\/2\).*true/);
    await iso.assertNothingLeft();
  });

  it('fails with INVALID_ARGUMENT for a file that is not an image archive', async () => {
    const f = join(iso.workDir, 'junk.tar');
    writeFileSync(f, 'not a tar at all'.repeat(100));
    await expect(importImageArchive(f, { namespace: iso.namespace })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
