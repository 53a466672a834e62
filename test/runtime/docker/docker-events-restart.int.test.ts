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

  it('keeps delivering exit events after the daemon restarts, and reports workers that died meanwhile', async () => {
    iso = await createIsolation('dk-restart');
    daemon = new PrivateDockerd(iso.brand); // its containerd namespace is the test's: the leak check covers it
    await daemon.start();
    const identity = { brand: iso.brand, env: iso.env };
    const spec = (fn: string) => workerSpec(identity, fn, { [TEST_LABEL]: iso!.brand });
    rt = await createDockerRuntime({ dockerHost: daemon.host, network: 'none', identity, eventsBackoff: { initialMs: 50, maxMs: 1_000 } });
    const events: RuntimeEvent[] = [];
    rt.subscribe((e) => events.push(e));
    await rt.ensureImage(ECHO_IMAGE, {});

    const a = spec('before');
    await rt.create(a, {});
    await rt.start(a.name, {});
    await daemon.restart(); // dockerd stops its containers on shutdown (no live-restore)
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
