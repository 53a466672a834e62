import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/errors.js';
import { createDockerRuntime } from '../../../src/runtime/docker/create-docker-runtime.js';
import { startBrokenRegistry } from './broken-registry.js';
import { DockerTestBed, ECHO_IMAGE, bringUp, destroy, docker, requireDocker } from './docker-int-helpers.js';

const skip = await requireDocker('test/runtime/docker/docker-failures.int.test.ts');

/** Runs `p`, expecting an AgentError; returns it. */
async function failure(p: Promise<unknown>): Promise<AgentError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AgentError);
  return err as AgentError;
}

describe.skipIf(skip)('DockerRuntime on the real dockerd: injected failures', () => {
  let current: DockerTestBed | undefined;
  afterEach(async () => {
    const leaked = await current?.cleanup();
    current = undefined;
    expect(leaked ?? [], 'containers leaked by the test').toEqual([]);
  });

  it('fails fast with FAILED_PRECONDITION when the image is absent and the policy is never', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail1'));
    const rt = await bed.runtime({ pullPolicy: 'never' });
    const spec = bed.spec('never', { image: `127.0.0.1:5000/esb/echo:absent-${bed.env}` });
    const err = await failure(bringUp(rt, spec));
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.message).toContain('IMAGE_PULL_POLICY=never');
    expect(err.message).toContain(spec.image);
  });

  it('fails with NOT_FOUND naming the tag when the local registry has no such tag', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail2'));
    const rt = await bed.runtime();
    const image = `127.0.0.1:5000/esb/echo:no-such-tag-${bed.env}`;
    const err = await failure(bringUp(rt, bed.spec('notag', { image })));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.step).toBe('pullImage');
    expect(err.message).toContain(`no-such-tag-${bed.env}`);
  });

  it('fails the pull on an error inside the progress stream (corrupt layer) and leaves no image', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail3'));
    const reg = await startBrokenRegistry();
    try {
      const rt = await bed.runtime();
      const image = `${reg.host}/bad/layer:${bed.env}`;
      bed.trackImage(image);
      const progress: unknown[] = [];
      const err = await failure(rt.ensureImage(image, { onProgress: (p) => progress.push(p) }));
      expect(err.step).toBe('pullImage');
      expect(err.message).toMatch(/verification failed|digest/i);
      expect(err.cause, 'reported in the stream, not as an HTTP error').toBeUndefined();
      await expect(docker('image', 'inspect', image)).rejects.toThrow();
      expect(reg.requests.some((r) => r.includes('/blobs/'))).toBe(true);
    } finally {
      await reg.close();
    }
  });

  it('fails the pull when the registry serves a broken manifest', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail4'));
    const reg = await startBrokenRegistry();
    try {
      const rt = await bed.runtime({ pullPolicy: 'always' });
      const err = await failure(rt.ensureImage(`${reg.host}/bad/manifest:${bed.env}`, {}));
      expect(err.step).toBe('pullImage');
      expect(err.code).not.toBe('CANCELLED');
    } finally {
      await reg.close();
    }
  });

  it('always: falls back to the present image when the registry is unreachable', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail5'));
    const tag = `127.0.0.1:1/esb/echo:${bed.env}`; // port 1: nothing listens
    await docker('tag', ECHO_IMAGE, tag);
    bed.trackImage(tag);
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (_o: object, m: string) => warnings.push(m) };
    const rt = await bed.runtime({ pullPolicy: 'always', logger });
    await expect(rt.ensureImage(tag, {})).resolves.toMatchObject({ pulled: false });
    expect(warnings.some((w) => w.includes('using the image already present'))).toBe(true);
  });

  it('refuses to start when CONTAINERS_NETWORK is missing, saying how to create it', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail6'));
    const err = await failure(createDockerRuntime({ network: `${bed.network}-missing`, identity: bed.identity }));
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.message).toContain(`docker network create`);
  });

  it('fails with FAILED_PRECONDITION when the network disappears after start-up (dockerd 20.10 notices at start)', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail7'));
    const rt = await bed.runtime();
    await bed.removeNetwork();
    const err = await failure(bringUp(rt, bed.spec('nonet')));
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(['create', 'start']).toContain(err.step);
    expect(err.message).toContain(`docker network create ${bed.network}`);
  });

  it('fails start with FAILED_PRECONDITION for a bad entrypoint and the rollback leaves nothing', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail8'));
    const image = `esb-dkt/bad-entrypoint:${bed.env}`;
    const tmp = await docker('create', '--entrypoint', '/nonexistent/entry', ECHO_IMAGE);
    await docker('commit', tmp, image);
    await docker('rm', tmp);
    bed.trackImage(image);
    const rt = await bed.runtime();
    const spec = bed.spec('badentry', { image });
    const err = await failure(bringUp(rt, spec));
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.step).toBe('start');
    expect(await bed.leftovers()).toEqual([]);
  });

  it('rolls back by name when destroy arrives while create is in flight', async () => {
    const bed = (current = await DockerTestBed.create('dk-fail9'));
    const rt = await bed.runtime();
    for (const delayMs of [0, 2, 5, 10, 20, 40]) {
      const spec = bed.spec(`race${delayMs}`);
      const ac = new AbortController();
      const creating = rt.create(spec, { signal: ac.signal }).then(() => 'created', (e: AgentError) => e.code);
      setTimeout(() => ac.abort(), delayMs);
      const outcome = await creating;
      expect(['created', 'CANCELLED']).toContain(outcome);
      await destroy(rt, spec.name);
    }
    expect(await bed.leftovers()).toEqual([]);
  });
});
