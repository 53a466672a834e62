import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerdClient } from '../../../src/runtime/containerd/client.js';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import { importImageArchive } from '../../../src/runtime/containerd/pull/image-import.js';
import { createIsolation, ctr, lines, requireRuntimes, WORKER_IMAGE_REF, WORKER_IMAGE_TAR, waitFor, type TestIsolation } from '../../helpers/index.js';
import { invoke, makeRuntime, workerSpec } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/runtime/containerd/import.int.test.ts');

describe.skipIf(!rt.ok)('containerd image import', () => {
  let iso: TestIsolation;
  let runtime: ContainerdRuntime | undefined;
  beforeEach(async () => {
    iso = await createIsolation('cd-import');
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await iso.cleanup();
  });

  it('goes from the test bed image archive to an unpacked image a worker runs from (policy never)', async () => {
    const client = new ContainerdClient({ socket: '/run/containerd/containerd.sock', namespace: iso.namespace });
    try {
      expect(await importImageArchive(client, WORKER_IMAGE_TAR, { snapshotter: 'overlayfs' })).toEqual([WORKER_IMAGE_REF]);
      expect(await importImageArchive(client, WORKER_IMAGE_TAR, { snapshotter: 'overlayfs' })).toEqual([WORKER_IMAGE_REF]); // again: updates
    } finally {
      client.close();
    }
    expect(lines(await ctr(iso.namespace, ['images', 'ls', '-q']))).toEqual([WORKER_IMAGE_REF]);
    expect(lines(await ctr(iso.namespace, ['leases', 'ls', '-q']))).toEqual([]);
    runtime = await makeRuntime(iso, { pullPolicy: 'never' });
    expect(await runtime.ensureImage(WORKER_IMAGE_REF, {})).toMatchObject({ pulled: false });
    const spec = workerSpec(iso, WORKER_IMAGE_REF, 'imported');
    await runtime.create(spec, {});
    const { ipAddress } = await runtime.setupNetwork(spec.name, {});
    await runtime.start(spec.name, {});
    expect((await waitFor(() => invoke(ipAddress, { imported: 1 }), { what: 'worker' }))['echo']).toEqual({ imported: 1 });
    await runtime.stop(spec.name, { graceMs: 5000 });
    await runtime.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('rejects a file that is not an OCI layout archive', async () => {
    const client = new ContainerdClient({ socket: '/run/containerd/containerd.sock', namespace: iso.namespace });
    try {
      await expect(importImageArchive(client, '/etc/hostname', { snapshotter: 'overlayfs' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      client.close();
    }
  });
});
