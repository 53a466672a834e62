import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cniAdd, cniDel, cniLoopback, createIsolation, ctr, lines, requireRuntimes, run, waitFor, type TestIsolation,
} from '../helpers/index.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/smoke/containerd-smoke.int.test.ts');
const INVOKE = '/2015-03-31/functions/function/invocations';

/** POST an event to the worker; resolves with the parsed JSON reply. */
async function invoke(ip: string, event: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${ip}:8080${INVOKE}`, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`invoke answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

async function taskStatus(ns: string, id: string): Promise<string | undefined> {
  const row = lines(await ctr(ns, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id);
  return row?.[2];
}

describe.skipIf(!rt.ok)('containerd smoke (ctr + CNI plugins)', () => {
  let iso: TestIsolation | undefined;
  beforeEach(async () => {
    iso = await createIsolation('ctr-smoke');
  });
  afterEach(async () => {
    await iso?.cleanup();
  });

  it('goes from image to answering worker to removed, with nothing left behind', async () => {
    const t = iso!;
    const ref = await t.importImage();
    const id = t.containerId('smoke');
    const netnsName = t.netnsName();
    const att = { containerId: id, netns: `/var/run/netns/${netnsName}` };
    const conflist = t.conflist();

    await run('ip', ['netns', 'add', netnsName]);
    await cniLoopback(att);
    const { ip } = await cniAdd(conflist, att);
    expect(ip.startsWith(t.subnet.prefix)).toBe(true);
    await ctr(t.namespace, ['run', '-d', '--with-ns', `network:${att.netns}`, ref, id]);

    const reply = await waitFor(() => invoke(ip, { hello: 'containerd' }), { what: `worker ${id} at ${ip}:8080` });
    expect(reply.echo).toEqual({ hello: 'containerd' });
    expect(reply.invocation).toBe(1);
    const routes = (await run('ip', ['netns', 'exec', netnsName, 'ip', '-4', 'route'])).stdout;
    expect(routes).not.toMatch(/default/);

    await cniDel(conflist, att);
    await ctr(t.namespace, ['tasks', 'kill', '-s', 'SIGTERM', id]);
    await waitFor(async () => (await taskStatus(t.namespace, id)) === 'STOPPED', { what: `${id} to stop` });
    await ctr(t.namespace, ['tasks', 'rm', id]);
    await ctr(t.namespace, ['containers', 'rm', id]);
    await run('ip', ['netns', 'del', netnsName]);

    await t.assertNothingLeft();
  });
});
