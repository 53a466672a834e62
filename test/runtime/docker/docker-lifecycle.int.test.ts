import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../../src/runtime/container-runtime.js';
import { DockerTestBed, bringUp, destroy, docker, invoke, invokeUntilOk, requireDocker, waitFor } from './docker-int-helpers.js';

const skip = await requireDocker('test/runtime/docker/docker-lifecycle.int.test.ts');
const cgroup = (ctrl: string, id: string, file: string): bigint => BigInt(readFileSync(`/sys/fs/cgroup/${ctrl}/docker/${id}/${file}`, 'utf8').trim());

describe.skipIf(skip)('DockerRuntime on the real dockerd: lifecycle', () => {
  let current: DockerTestBed | undefined;
  afterEach(async () => {
    const leaked = await current?.cleanup();
    current = undefined;
    expect(leaked ?? [], 'containers leaked by the test').toEqual([]);
  });

  it('goes from create to an answered invoke, pauses (a request waits) and resumes, then destroys leaving nothing', async () => {
    const bed = (current = await DockerTestBed.create('dk-life1'));
    const rt = await bed.runtime();
    expect(rt.info).toMatchObject({ kind: 'docker', networkPhase: 'afterStart' });
    const spec = bed.spec('life');
    const { containerId, ip } = await bringUp(rt, spec);
    expect(containerId).toMatch(/^[0-9a-f]{64}$/);
    const first = await invokeUntilOk(ip, { hello: 'docker' });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).echo).toEqual({ hello: 'docker' });

    const inspected = JSON.parse(await docker('inspect', spec.name))[0];
    expect(inspected.Id).toBe(containerId);
    expect(inspected.HostConfig).toMatchObject({ RestartPolicy: { Name: 'no' }, NetworkMode: bed.network, Memory: 128 << 20, PortBindings: {} });
    expect(inspected.Config.Labels).toMatchObject(spec.labels);
    expect(inspected.Config.Env).toContain('AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128');
    expect(Object.keys(inspected.Config.ExposedPorts)).toEqual(['8080/tcp']);

    await rt.pause(spec.name, {});
    expect((await rt.metrics(spec.name, {})).state).toBe('PAUSED');
    expect((await rt.list({})).find((c) => c.name === spec.name)?.status).toBe('PAUSED');
    let settled = false;
    const pending = invoke(ip, { during: 'pause' }, 60_000).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 500)); // the request must still be waiting while paused
    expect(settled).toBe(false);
    await rt.resume(spec.name, {});
    expect((await pending).status).toBe(200);

    await destroy(rt, spec.name);
    await expect(docker('inspect', spec.name)).rejects.toThrow(/No such/);
    expect(await rt.list({})).toEqual([]);
  });

  it('reports metrics that agree with docker inspect and the cgroup files', async () => {
    const bed = (current = await DockerTestBed.create('dk-life2'));
    const rt = await bed.runtime();
    const spec = bed.spec('metrics');
    const { containerId, ip } = await bringUp(rt, spec);
    await invokeUntilOk(ip, { warm: true });
    const cpuBefore = cgroup('cpuacct', containerId, 'cpuacct.usage');
    const m = await rt.metrics(spec.name, {});
    const cpuAfter = cgroup('cpuacct', containerId, 'cpuacct.usage');
    const limit = cgroup('memory', containerId, 'memory.limit_in_bytes');
    const usage = cgroup('memory', containerId, 'memory.usage_in_bytes');
    const inspected = JSON.parse(await docker('inspect', containerId))[0];
    expect(m.state).toBe('RUNNING');
    expect(m.memoryMax).toBe(limit);
    expect(m.memoryMax).toBe(BigInt(inspected.HostConfig.Memory));
    expect(m.memoryCurrent > 0n && m.memoryCurrent <= limit).toBe(true);
    const diff = m.memoryCurrent > usage ? m.memoryCurrent - usage : usage - m.memoryCurrent;
    expect(diff < 16n << 20n).toBe(true);
    expect(m.cpuUsageNs >= cpuBefore && m.cpuUsageNs <= cpuAfter).toBe(true);
    expect(m.restartCount).toBe(inspected.RestartCount);
    expect([m.exitCode, m.exitTime, m.oomEvents]).toEqual([0, 0, 0n]);
    await destroy(rt, spec.name);
  });

  it('reports the host total as memoryMax when no limit is set', async () => {
    const bed = (current = await DockerTestBed.create('dk-life3'));
    const rt = await bed.runtime();
    const spec = bed.spec('nolimit', { memoryLimitBytes: undefined, env: {} });
    await bringUp(rt, spec);
    const m = await rt.metrics(spec.name, {});
    const hostTotal = BigInt(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]!) * 1024n;
    expect(m.memoryMax).toBe(hostTotal);
    await destroy(rt, spec.name);
  });

  it('emits an exit event and lists STOPPED when the container is killed from outside', async () => {
    const bed = (current = await DockerTestBed.create('dk-life4'));
    const rt = await bed.runtime();
    const events: RuntimeEvent[] = [];
    const unsubscribe = rt.subscribe((e) => events.push(e));
    const spec = bed.spec('killed');
    const { ip } = await bringUp(rt, spec);
    await invokeUntilOk(ip, {});
    await docker('kill', spec.name);
    const exit = await waitFor(() => events.find((e) => e.type === 'exit' && e.name === spec.name), 30_000, 'exit event');
    expect(exit).toMatchObject({ type: 'exit', exitCode: 137 });
    const listed = (await rt.list({})).find((c) => c.name === spec.name);
    expect(listed).toMatchObject({ status: 'STOPPED', exitCode: 137 });
    const m = await rt.metrics(spec.name, {});
    expect(m).toMatchObject({ state: 'STOPPED', exitCode: 137 });
    expect(m.exitTime).toBeGreaterThan(0);
    unsubscribe();
    await destroy(rt, spec.name);
  });

  it('emits oom and exit events when the worker exceeds its memory limit', async () => {
    const bed = (current = await DockerTestBed.create('dk-life5'));
    const rt = await bed.runtime();
    const events: RuntimeEvent[] = [];
    const unsubscribe = rt.subscribe((e) => events.push(e));
    const spec = bed.spec('oom', { memoryLimitBytes: 64 << 20 });
    const { ip } = await bringUp(rt, spec);
    await invokeUntilOk(ip, { warm: true });
    await invoke(ip, { oom: true }, 60_000).catch(() => undefined);
    await waitFor(() => events.find((e) => e.type === 'oom' && e.name === spec.name), 60_000, 'oom event');
    await waitFor(() => events.find((e) => e.type === 'exit' && e.name === spec.name), 60_000, 'exit event');
    const m = await rt.metrics(spec.name, {});
    expect(m).toMatchObject({ state: 'STOPPED', exitCode: 137 });
    expect(m.oomEvents >= 1n, 'oom events counted even when dockerd leaves OOMKilled false').toBe(true);
    unsubscribe();
    await destroy(rt, spec.name);
  });

  it('stops a paused worker without hanging', async () => {
    const bed = (current = await DockerTestBed.create('dk-life6'));
    const rt = await bed.runtime();
    const spec = bed.spec('pausedstop', { env: { ECHO_IGNORE_SIGTERM: '1' } });
    await bringUp(rt, spec);
    await rt.pause(spec.name, {});
    await destroy(rt, spec.name, 1_000);
    expect(await bed.leftovers()).toEqual([]);
  });
});
