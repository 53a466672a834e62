import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/errors.js';
import type { ContainerdRuntime } from '../../../src/runtime/containerd/containerd-runtime.js';
import { createIsolation, ctr, lines, requireRuntimes, type TestIsolation } from '../../helpers/index.js';
import { makeRuntime, workerSpec } from './support.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image', 'registry'], 'test/runtime/containerd/failures.int.test.ts');

/** A CNI plugin that passes prevResult through on every command except ADD, where it fails. */
const FAILING_PLUGIN = `#!/bin/sh
IN=$(cat)
if [ "$CNI_COMMAND" = "ADD" ]; then
  echo '{"cniVersion":"1.0.0","code":101,"msg":"injected failure","details":"fake plugin"}'
  exit 1
fi
exit 0
`;

async function taskPid(ns: string, id: string): Promise<number> {
  const row = lines(await ctr(ns, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id);
  return Number(row?.[1]);
}

describe.skipIf(!rt.ok)('containerd adapter failures leave nothing behind', () => {
  let iso: TestIsolation;
  let runtime: ContainerdRuntime | undefined;
  beforeEach(async () => {
    iso = await createIsolation('cd-fail');
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await iso.cleanup();
  });

  it('goes from an unknown image to NOT_FOUND naming the image (and the registry, or the namespace without pulls)', async () => {
    runtime = await makeRuntime(iso);
    const ref = '127.0.0.1:5000/esb/does-not-exist:nope';
    const err = (await runtime.ensureImage(ref, {}).catch((e: unknown) => e)) as AgentError;
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(ref);
    expect(err.message).toContain('registry 127.0.0.1:5000');
    await runtime.close();
    runtime = await makeRuntime(iso, { pullPolicy: 'never' });
    const local = (await runtime.ensureImage(ref, {}).catch((e: unknown) => e)) as AgentError;
    expect(local.code).toBe('NOT_FOUND');
    expect(local.message).toContain(ref);
    expect(local.message).toContain(iso.namespace);
    const spec = workerSpec(iso, ref, 'badimg');
    await expect(runtime.create(spec, {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await iso.assertNothingLeft();
  });

  it('goes from a failing CNI plugin to a clear error, the IP released and nothing left', async () => {
    const image = await iso.importImage();
    const bin = join(iso.workDir, 'fakebin');
    await mkdir(bin);
    await writeFile(join(bin, 'esbfail'), FAILING_PLUGIN);
    await chmod(join(bin, 'esbfail'), 0o755);
    const confFile = join(iso.cniConfDir, '10-fail.conflist');
    const list = iso.conflist();
    list.plugins = [list.plugins[0]!, { type: 'esbfail' }];
    await writeFile(confFile, JSON.stringify(list));
    runtime = await makeRuntime(iso, { cni: { brand: iso.brand, generate: false, confFile, binDirs: [bin, '/opt/cni/bin'] } });
    const spec = workerSpec(iso, image, 'cnifail');
    await runtime.create(spec, {});
    const err = (await runtime.setupNetwork(spec.name, {}).catch((e: unknown) => e)) as AgentError;
    expect(err).toBeInstanceOf(AgentError);
    expect(err.message).toBe(`CNI esbfail ADD ${spec.name} failed: injected failure (fake plugin) [CNI code 101]`);
    await runtime.stop(spec.name, { graceMs: 0 });
    await runtime.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('goes from a start that fails (init killed before start) to an error and a clean remove', async () => {
    const image = await iso.importImage();
    runtime = await makeRuntime(iso);
    const spec = workerSpec(iso, image, 'startfail');
    await runtime.create(spec, {});
    await runtime.setupNetwork(spec.name, {});
    process.kill(await taskPid(iso.namespace, spec.name), 'SIGKILL');
    await expect(runtime.start(spec.name, {})).rejects.toBeInstanceOf(AgentError);
    await runtime.stop(spec.name, { graceMs: 1000 });
    await runtime.remove(spec.name, {});
    await iso.assertNothingLeft();
  });

  it('goes from a create aborted at various points to CANCELLED (or done) and nothing left after remove', async () => {
    const image = await iso.importImage();
    runtime = await makeRuntime(iso);
    let cancelled = 0;
    for (const delayMs of [0, 2, 10, 30, 80]) {
      const spec = workerSpec(iso, image, `abort${delayMs}`);
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(new Error('test abort')), delayMs);
      const outcome = await runtime.create(spec, { signal: ac.signal }).then(
        () => 'created',
        (e: unknown) => e,
      );
      clearTimeout(timer);
      if (outcome !== 'created') {
        expect(outcome).toBeInstanceOf(AgentError);
        expect((outcome as AgentError).code).toBe('CANCELLED');
        cancelled++;
        expect(lines(await ctr(iso.namespace, ['containers', 'ls', '-q']))).not.toContain(spec.name);
      }
      await runtime.remove(spec.name, {});
    }
    expect(cancelled).toBeGreaterThan(0);
    await iso.assertNothingLeft();
  });

  it('goes from a destroy racing setupNetwork to nothing left', async () => {
    const image = await iso.importImage();
    runtime = await makeRuntime(iso);
    const spec = workerSpec(iso, image, 'race');
    await runtime.create(spec, {});
    const net = runtime.setupNetwork(spec.name, {}).catch((e: unknown) => e);
    await runtime.stop(spec.name, { graceMs: 0 });
    await runtime.remove(spec.name, {});
    await net;
    await iso.assertNothingLeft();
  });
});
