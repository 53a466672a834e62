import { afterEach, describe, expect, it } from 'vitest';
import { DockerTestBed, bringUp, destroy, invokeUntilOk, requireDocker } from './docker-int-helpers.js';

const skip = await requireDocker('test/runtime/docker/docker-concurrency.int.test.ts');
const N = 20;

describe.skipIf(skip)('DockerRuntime on the real dockerd: concurrency', () => {
  let current: DockerTestBed | undefined;
  afterEach(async () => {
    const leaked = await current?.cleanup();
    current = undefined;
    expect(leaked ?? [], 'containers leaked by the test').toEqual([]);
  });

  it(`brings up ${N} workers at once, each answers at its own IP, then destroys them all at once`, async () => {
    const bed = (current = await DockerTestBed.create('dk-conc1'));
    const rt = await bed.runtime({ callTimeoutMs: 60_000, ipLookupTimeoutMs: 30_000 });
    const specs = Array.from({ length: N }, (_, i) => bed.spec(`c${i}`));
    const up = await Promise.all(specs.map((s) => bringUp(rt, s)));
    expect(new Set(up.map((u) => u.ip)).size).toBe(N);
    expect(new Set(up.map((u) => u.containerId)).size).toBe(N);
    const answers = await Promise.all(up.map((u, i) => invokeUntilOk(u.ip, { i }, 60_000)));
    answers.forEach((a, i) => expect(JSON.parse(a.body).echo).toEqual({ i }));

    const listed = await rt.list({});
    expect(listed).toHaveLength(N);
    expect(listed.every((c) => c.status === 'RUNNING' && c.ipAddress)).toBe(true);
    expect(new Map(listed.map((c) => [c.name, c.ipAddress]))).toEqual(new Map(specs.map((s, i) => [s.name, up[i]!.ip])));

    await Promise.all(specs.map((s) => destroy(rt, s.name)));
    expect(await rt.list({})).toEqual([]);
    expect(await bed.leftovers()).toEqual([]);
  });
});
