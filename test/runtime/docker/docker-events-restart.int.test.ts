import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerRuntime, RuntimeEvent } from '../../../src/runtime/container-runtime.js';
import { createDockerRuntime } from '../../../src/runtime/docker/create-docker-runtime.js';
import { createIsolation, TEST_LABEL, type TestIsolation } from '../../helpers/index.js';
import { ECHO_IMAGE, requireDocker, waitFor, workerSpec } from './docker-int-helpers.js';
import { PrivateDockerd } from './private-dockerd.js';

const skip = await requireDocker('test/runtime/docker/docker-events-restart.int.test.ts');

/**
 * The shared dockerd is never restarted: this test runs its own daemon (see private-dockerd.ts)
 * and restarts THAT one by PID. Workers there use network `none` (the private daemon has no
 * bridge); the event stream does not care.
 */
describe.skipIf(skip)('DockerRuntime events across a dockerd restart', () => {
  let daemon: PrivateDockerd | undefined;
  let rt: ContainerRuntime | undefined;
  let iso: TestIsolation | undefined;
  afterEach(async () => {
    await rt?.close();
    await daemon?.destroy();
    try {
      expect(await daemon?.leftovers(), 'private dockerd left something behind').toEqual([]);
      await iso?.assertNothingLeft();
    } finally {
      await iso?.cleanup();
      [rt, daemon, iso] = [undefined, undefined, undefined];
    }
  });

  it('pulls for real (shared, with progress), keeps delivering exit events after the daemon restarts, reports workers that died meanwhile, and is UNAVAILABLE while it is down', async () => {
    iso = await createIsolation('dk-restart');
    daemon = new PrivateDockerd(iso.brand); // its containerd namespace is the test's: the leak check covers it
    await daemon.start();
    const identity = { brand: iso.brand, env: iso.env };
    const spec = (fn: string) => workerSpec(identity, fn, { [TEST_LABEL]: iso!.brand });
    rt = await createDockerRuntime({ dockerHost: daemon.host, network: 'none', identity, eventsBackoff: { initialMs: 50, maxMs: 1_000 } });
    const events: RuntimeEvent[] = [];
    rt.subscribe((e) => events.push(e));
    // the private daemon starts empty: a real pull from the local registry, five callers at once
    const progress: Array<{ doneBytes: number; totalBytes: number }> = [];
    const pulls = await Promise.all(Array.from({ length: 5 }, () => rt!.ensureImage(ECHO_IMAGE, { onProgress: (p) => progress.push(p) })));
    expect(pulls.every((p) => p.pulled)).toBe(true);
    expect(new Set(pulls.map((p) => p.digest)).size).toBe(1);
    expect(pulls[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const last = progress.at(-1)!;
    expect(last.totalBytes).toBeGreaterThan(0);
    expect(last.doneBytes).toBe(last.totalBytes);
    await expect(rt.ensureImage(ECHO_IMAGE, {})).resolves.toMatchObject({ pulled: false });

    const a = spec('before');
    await rt.create(a, {});
    await rt.start(a.name, {});
    await daemon.stop(); // dockerd stops its containers on shutdown (no live-restore)
    await expect(rt.list({})).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining(daemon.host) });
    await daemon.start();
    await waitFor(() => events.find((e) => e.type === 'exit' && e.name === a.name), 60_000, 'exit of the worker stopped by the restart');
    expect((await rt.list({})).find((c) => c.name === a.name)?.status).toBe('STOPPED');

    const b = spec('after');
    await rt.create(b, {});
    await rt.start(b.name, {});
    await daemon.docker('kill', b.name);
    const exit = await waitFor(() => events.find((e) => e.type === 'exit' && e.name === b.name), 60_000, 'exit event after the restart');
    expect(exit).toMatchObject({ exitCode: 137 });

    for (const s of [a, b]) {
      await rt.stop(s.name, { graceMs: 0 });
      await rt.remove(s.name, {});
    }
    expect(await rt.list({})).toEqual([]);
  });
});
