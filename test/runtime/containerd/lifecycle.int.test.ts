import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import type { RuntimeEvent } from '../../../src/runtime/container-runtime.js';
import { createIsolation, requireRuntimes, run, waitFor, type TestIsolation } from '../../helpers/index.js';
import { invoke, makeRuntime, workerSpec } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/runtime/containerd/lifecycle.int.test.ts');

describe.skipIf(!rt.ok).each(['task', 'precreated'] as const)('containerd adapter lifecycle (netns mode %s)', (netnsMode) => {
  let iso: TestIsolation;
  let runtime: ContainerdRuntime | undefined;
  beforeEach(async () => {
    iso = await createIsolation('cd-life');
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await iso.cleanup();
  });

  it('goes from create through network, start, invoke, pause, resume, metrics, stop and remove to nothing left', async () => {
    const image = await iso.importImage();
    runtime = await makeRuntime(iso, { netnsMode });
    const events: RuntimeEvent[] = [];
    const unsubscribe = runtime.subscribe((e) => events.push(e));
    const info = await runtime.ensureImage(image, {});
    expect(info).toMatchObject({ ref: image, pulled: false });
    const spec = workerSpec(iso, image, 'life', { memoryLimitBytes: 128 * 1024 * 1024, env: { GREETING: 'hi' } });

    expect(await runtime.create(spec, {})).toEqual({ containerId: spec.name });
    const { ipAddress } = await runtime.setupNetwork(spec.name, {});
    expect(ipAddress.startsWith(iso.subnet.prefix)).toBe(true);
    await runtime.start(spec.name, {});
    const reply = await waitFor(() => invoke(ipAddress, { hello: 'adapter' }), { what: `worker at ${ipAddress}` });
    expect(reply['echo']).toEqual({ hello: 'adapter' });

    const logFile = `${iso.workDir}/logs/${spec.name}.log`;
    expect((await readFile(logFile, 'utf8').catch(() => undefined)) !== undefined).toBe(true); // the shim writes stdio there

    const [listed] = await runtime.list({});
    expect(listed).toMatchObject({ containerId: spec.name, name: spec.name, functionName: 'life', ownerId: 'owner-1', status: 'RUNNING', ipAddress, incomplete: false });

    await runtime.pause(spec.name, {});
    await runtime.pause(spec.name, {}); // already paused counts as done
    expect((await runtime.list({}))[0]?.status).toBe('PAUSED');
    let answered = false;
    const during = invoke(ipAddress, { during: 'pause' }, 30_000).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300)); // give the request time to reach the frozen worker
    expect(answered).toBe(false);
    await runtime.resume(spec.name, {});
    expect((await during)['echo']).toEqual({ during: 'pause' });

    const m = await runtime.metrics(spec.name, {});
    expect(m.state).toBe('RUNNING');
    expect(m.memoryMax).toBe(BigInt(128 * 1024 * 1024));
    expect(m.memoryCurrent).toBeGreaterThan(0n);
    expect(m.cpuUsageNs).toBeGreaterThan(0n);
    const cg = `/sys/fs/cgroup/memory/${iso.namespace}/${spec.name}`;
    expect(BigInt((await readFile(`${cg}/memory.limit_in_bytes`, 'utf8')).trim())).toBe(m.memoryMax);
    const usageNow = BigInt((await readFile(`${cg}/memory.usage_in_bytes`, 'utf8')).trim());
    const ratio = Number(usageNow) / Number(m.memoryCurrent);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);

    await runtime.stop(spec.name, { graceMs: 5000 });
    await waitFor(() => events.find((e) => e.type === 'exit' && e.name === spec.name), { what: 'exit event' });
    expect((await runtime.list({}))[0]?.status).toBe('STOPPED');
    await runtime.stop(spec.name, { graceMs: 5000 }); // not running = done
    await runtime.remove(spec.name, {});
    await runtime.remove(spec.name, {}); // not found = done
    unsubscribe();
    expect(await runtime.list({})).toEqual([]);
    await expect(readFile(logFile, 'utf8')).rejects.toThrow(); // removed with the worker
    const links = (await run('ip', ['-o', 'link', 'show', 'master', iso.bridge], { allowFail: true })).stdout;
    expect(links.trim()).toBe('');
    await iso.assertNothingLeft();
  });
});
