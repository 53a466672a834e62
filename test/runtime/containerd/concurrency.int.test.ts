import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import { createIsolation, requireRuntimes, waitFor, type TestIsolation } from '../../helpers/index.js';
import { invoke, makeRuntime, workerSpec } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/runtime/containerd/concurrency.int.test.ts');

describe.skipIf(!rt.ok)('containerd adapter under concurrency', () => {
  let iso: TestIsolation;
  let runtime: ContainerdRuntime | undefined;
  beforeEach(async () => {
    iso = await createIsolation('cd-conc');
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await iso.cleanup();
  });

  it('goes from 20 concurrent creates to 20 answering workers with distinct IPs, then 20 destroys to nothing left', async () => {
    const image = await iso.importImage();
    runtime = await makeRuntime(iso);
    const r = runtime;
    const specs = Array.from({ length: 20 }, (_, i) => workerSpec(iso, image, `c${i}`));
    const ips = await Promise.all(
      specs.map(async (s) => {
        await r.create(s, {});
        const { ipAddress } = await r.setupNetwork(s.name, {});
        await r.start(s.name, {});
        return ipAddress;
      }),
    );
    expect(new Set(ips).size).toBe(20);
    await Promise.all(ips.map((ip) => waitFor(() => invoke(ip, { ip }), { what: `worker at ${ip}`, timeoutMs: 120_000 })));
    const listed = await r.list({});
    expect(listed.map((c) => c.ipAddress).sort()).toEqual([...ips].sort());
    expect(listed.every((c) => c.status === 'RUNNING')).toBe(true);
    await Promise.all(
      specs.map(async (s) => {
        await r.stop(s.name, { graceMs: 5000 });
        await r.remove(s.name, {});
      }),
    );
    expect(await r.list({})).toEqual([]);
    await iso.assertNothingLeft();
  });
});
