import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIsolation, docker, requireRuntimes, run, waitFor, type TestIsolation } from '../helpers/index.js';

const rt = await requireRuntimes(['docker', 'image'], 'test/smoke/docker-smoke.int.test.ts');
const INVOKE = '/2015-03-31/functions/function/invocations';

/** POST an event to the worker; resolves with the parsed JSON reply. */
async function invoke(ip: string, event: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${ip}:8080${INVOKE}`, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`invoke answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

describe.skipIf(!rt.ok)('docker smoke (dockerd 20.10)', () => {
  let iso: TestIsolation | undefined;
  beforeEach(async () => {
    iso = await createIsolation('docker-smoke');
  });
  afterEach(async () => {
    await iso?.cleanup();
  });

  it('goes from image to answering worker to removed, with nothing left behind', async () => {
    const t = iso!;
    const ref = await t.loadDockerImage();
    const net = await t.createDockerNetwork();
    const name = t.containerId('smoke');
    const labels = Object.entries(t.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const id = (await docker(['run', '-d', '--name', name, '--network', net.name, ...labels, ref])).trim();

    const ip = (await docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net.name}").IPAddress}}`, id])).trim();
    expect(ip.startsWith(net.subnet.prefix)).toBe(true);
    const reply = await waitFor(() => invoke(ip, { hello: 'docker' }), { what: `worker ${name} at ${ip}:8080` });
    expect(reply.echo).toEqual({ hello: 'docker' });
    const masq = (await run('iptables-save', ['-t', 'nat'])).stdout.split('\n').filter((l) => l.includes(net.subnet.cidr) && l.includes('MASQUERADE'));
    expect(masq).toEqual([]);

    await docker(['stop', '-t', '5', id]);
    await docker(['rm', id]);
    await net.remove();

    await t.assertNothingLeft();
  });
});
