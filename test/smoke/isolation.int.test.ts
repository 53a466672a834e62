import { afterEach, describe, expect, it } from 'vitest';
import {
  cniAdd, cniLoopback, createIsolation, ctr, docker, requireRuntimes, run, type TestIsolation,
} from '../helpers/index.js';

const rt = await requireRuntimes(['containerd', 'docker', 'cni', 'image'], 'test/smoke/isolation.int.test.ts');

describe.skipIf(!rt.ok)('test isolation helper', () => {
  let iso: TestIsolation | undefined;
  afterEach(async () => {
    await iso?.cleanup();
  });

  it('reports what a test leaked and cleanup removes all of it', async () => {
    const t = (iso = await createIsolation('leak-check'));
    const ref = await t.importImage();
    const id = t.containerId('leak');
    const netnsName = t.netnsName();
    const att = { containerId: id, netns: `/var/run/netns/${netnsName}` };
    await run('ip', ['netns', 'add', netnsName]);
    await cniLoopback(att);
    const hostPort = 20000 + Math.floor(Math.random() * 10000);
    await cniAdd(t.conflist(), { ...att, portMappings: [{ hostPort, containerPort: 8080, protocol: 'tcp' }] });
    await ctr(t.namespace, ['run', '-d', '--with-ns', `network:${att.netns}`, ref, id]);
    await t.loadDockerImage();
    const net = await t.createDockerNetwork();
    const labels = Object.entries(t.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    await docker(['run', '-d', '--network', net.name, ...labels, ref]);

    const found = (await t.findLeftovers()).join('\n');
    for (const what of ['containerd containers', 'containerd tasks', 'containerd active snapshots', 'processes in cgroup',
      'network namespaces', 'IPAM leases', 'CNI result caches', 'iptables rules', 'docker containers']) {
      expect(found).toContain(what);
    }
    await expect(t.assertNothingLeft()).rejects.toThrow(/left resources behind/);

    await t.cleanup();
    expect(await t.findLeftovers()).toEqual([]);
    const nat = (await run('iptables-save', ['-t', 'nat'])).stdout;
    expect(nat).not.toContain(`--dport ${hostPort}`);
    expect((await run('ip', ['link', 'show', t.bridge], { allowFail: true })).code).not.toBe(0);
    expect(await ctr('default', ['namespaces', 'ls', '-q'])).not.toContain(t.namespace);
  });
});
