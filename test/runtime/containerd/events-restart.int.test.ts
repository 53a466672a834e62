import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import type { RuntimeEvent } from '../../../src/runtime/container-runtime.js';
import { createIsolation, ctr, lines, requireRuntimes, waitFor, type TestIsolation } from '../../helpers/index.js';
import { invoke, makeRuntime, workerSpec } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/runtime/containerd/events-restart.int.test.ts');

async function taskPid(ns: string, id: string): Promise<number> {
  const row = lines(await ctr(ns, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id);
  return Number(row?.[1]);
}

describe.skipIf(!rt.ok)('containerd adapter events and restarts', () => {
  let iso: TestIsolation;
  const runtimes: ContainerdRuntime[] = [];
  beforeEach(async () => {
    iso = await createIsolation('cd-evt');
  });
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.close();
    await iso.cleanup();
  });

  it('goes from a worker killed with kill -9 to an exit event and STOPPED in list', async () => {
    const image = await iso.importImage();
    const runtime = await makeRuntime(iso);
    runtimes.push(runtime);
    const events: Array<RuntimeEvent & { seenAt: number }> = [];
    runtime.subscribe((e) => events.push({ ...e, seenAt: Date.now() }));
    const spec = workerSpec(iso, image, 'kill9');
    await runtime.create(spec, {});
    const { ipAddress } = await runtime.setupNetwork(spec.name, {});
    await runtime.start(spec.name, {});
    await waitFor(() => invoke(ipAddress, {}), { what: 'worker up' });
    const killedAt = Date.now();
    process.kill(await taskPid(iso.namespace, spec.name), 'SIGKILL');
    const exit = await waitFor(() => events.find((e) => e.type === 'exit' && e.name === spec.name), { what: 'exit event', timeoutMs: 30_000 });
    expect(exit).toMatchObject({ type: 'exit', name: spec.name, exitCode: 137 });
    console.info(`kill -9 → exit event after ${exit.seenAt - killedAt} ms`);
    const [listed] = await runtime.list({});
    expect(listed).toMatchObject({ name: spec.name, status: 'STOPPED', exitCode: 137 });
    await runtime.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('goes from a worker over its memory limit to one oom event and an exit 137', async () => {
    const image = await iso.importImage();
    const runtime = await makeRuntime(iso);
    runtimes.push(runtime);
    const events: RuntimeEvent[] = [];
    runtime.subscribe((e) => events.push(e));
    const spec = workerSpec(iso, image, 'oom', { memoryLimitBytes: 64 * 1024 * 1024 });
    await runtime.create(spec, {});
    const { ipAddress } = await runtime.setupNetwork(spec.name, {});
    await runtime.start(spec.name, {});
    await waitFor(() => invoke(ipAddress, {}), { what: 'worker up' });
    await invoke(ipAddress, { oom: true }, 30_000).catch(() => undefined);
    const exit = await waitFor(() => events.find((e) => e.type === 'exit' && e.name === spec.name), { what: 'exit after OOM', timeoutMs: 60_000 });
    expect(exit).toMatchObject({ exitCode: 137 });
    expect(events.filter((e) => e.type === 'oom' && e.name === spec.name)).toHaveLength(1);
    await runtime.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('goes from an agent restart (a new runtime instance) to the same worker listed with its IP', async () => {
    const image = await iso.importImage();
    const first = await makeRuntime(iso);
    runtimes.push(first);
    const spec = workerSpec(iso, image, 'restart');
    await first.create(spec, {});
    const { ipAddress } = await first.setupNetwork(spec.name, {});
    await first.start(spec.name, {});
    await first.close();
    const second = await makeRuntime(iso);
    runtimes.push(second);
    const [listed] = await second.list({});
    expect(listed).toMatchObject({ name: spec.name, status: 'RUNNING', ipAddress, functionName: 'restart', ownerId: 'owner-1' });
    expect((await waitFor(() => invoke(ipAddress, { after: 'restart' }), { what: 'worker' }))['echo']).toEqual({ after: 'restart' });
    await second.stop(spec.name, { graceMs: 5000 });
    await second.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('goes from a paused worker to stopped without hanging (thaw then kill)', async () => {
    const image = await iso.importImage();
    const runtime = await makeRuntime(iso);
    runtimes.push(runtime);
    const spec = workerSpec(iso, image, 'pstop', { env: { ECHO_IGNORE_SIGTERM: '1' } });
    await runtime.create(spec, {});
    await runtime.setupNetwork(spec.name, {});
    await runtime.start(spec.name, {});
    await runtime.pause(spec.name, {});
    await runtime.stop(spec.name, { graceMs: 500 });
    expect((await runtime.list({}))[0]?.status).toBe('STOPPED');
    await runtime.remove(spec.name, {});
    await iso.assertNothingLeft();
  });
});
