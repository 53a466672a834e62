import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/errors.js';
import type { NetworkConfigList } from '../../../src/runtime/cni/conflist.js';
import { CniExecutor } from '../../../src/runtime/cni/executor.js';
import { containerIpv4 } from '../../../src/runtime/cni/result-cache.js';

/** A fake plugin: appends `<name> <command> <stdin>` to calls.log and prints a result built from prevResult. */
function fakePlugin(name: string, log: string, opts: { fail?: string; sleep?: number } = {}): string {
  return `#!/bin/sh
IN=$(cat)
printf '%s %s %s %s\\n' "${name}" "$CNI_COMMAND" "$CNI_IFNAME" "$IN" >> "${log}"
${opts.sleep ? `sleep ${opts.sleep}` : ''}
${opts.fail ? `if [ "$CNI_COMMAND" = "${opts.fail}" ]; then echo '{"cniVersion":"1.0.0","code":7,"msg":"boom from ${name}","details":"more"}'; exit 1; fi` : ''}
if [ "$CNI_COMMAND" = "ADD" ]; then
  echo '{"cniVersion":"1.0.0","interfaces":[{"name":"br0"},{"name":"eth0","sandbox":"'"$CNI_NETNS"'"}],"ips":[{"address":"10.1.2.3/24","gateway":"10.1.2.1","interface":1}],"by":"${name}"}'
fi
exit 0
`;
}

describe('CniExecutor', () => {
  let dir: string;
  let bin: string;
  let log: string;
  let exec: CniExecutor;
  const list: NetworkConfigList = {
    cniVersion: '1.0.0',
    name: 'tnet',
    plugins: [
      { type: 'first', a: 1 },
      { type: 'second', capabilities: { portMappings: true, bandwidth: true } },
    ],
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esb-cni-exec-'));
    bin = join(dir, 'bin');
    log = join(dir, 'calls.log');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    for (const n of ['first', 'second']) {
      await writeFile(join(bin, n), fakePlugin(n, log));
      await chmod(join(bin, n), 0o755);
    }
    exec = new CniExecutor({ binDirs: [join(dir, 'nobin'), bin], cacheDir: join(dir, 'cache') });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function calls(): Promise<Array<{ name: string; cmd: string; ifname: string; conf: Record<string, unknown> }>> {
    const text = await readFile(log, 'utf8').catch(() => '');
    return text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [name = '', cmd = '', ifname = '', ...rest] = l.split(' ');
        return { name, cmd, ifname, conf: JSON.parse(rest.join(' ')) as Record<string, unknown> };
      });
  }

  it('goes from ADD in order with name, cniVersion, prevResult and runtimeConfig to a libcni cache entry', async () => {
    const rt = { containerId: 'c1', netns: '/proc/1/ns/net', ifName: 'eth0', capabilityArgs: { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp' }], ips: ['x'] } };
    const result = await exec.add(list, rt);
    expect(containerIpv4(result)).toBe('10.1.2.3');
    const c = await calls();
    expect(c.map((x) => `${x.name}:${x.cmd}`)).toEqual(['first:ADD', 'second:ADD']);
    expect(c[0]!.conf).toEqual({ type: 'first', a: 1, name: 'tnet', cniVersion: '1.0.0' });
    expect(c[1]!.conf['prevResult']).toMatchObject({ by: 'first' });
    expect(c[1]!.conf['runtimeConfig']).toEqual({ portMappings: rt.capabilityArgs.portMappings });
    const file = join(dir, 'cache', 'tnet-c1-eth0');
    const entry = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(entry).toMatchObject({ kind: 'cniCacheV1', containerId: 'c1', ifName: 'eth0', networkName: 'tnet', result: { by: 'second' } });
    expect(JSON.parse(Buffer.from(entry['config'] as string, 'base64').toString())).toEqual(list);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'cache'))).mode & 0o777).toBe(0o700);
    expect(await exec.cachedResult('tnet', 'c1', 'eth0')).toMatchObject({ by: 'second' });
  });

  it('goes from DEL in reverse with the cached result to no cache entry, and repeats fine', async () => {
    await exec.add(list, { containerId: 'c2', netns: '/x', ifName: 'eth0' });
    await exec.del(list, { containerId: 'c2', netns: '', ifName: 'eth0' });
    const c = (await calls()).filter((x) => x.cmd === 'DEL');
    expect(c.map((x) => x.name)).toEqual(['second', 'first']);
    expect(c[0]!.conf['prevResult']).toMatchObject({ by: 'second' });
    expect(c[1]!.conf['prevResult']).toMatchObject({ by: 'second' });
    expect(await readdir(join(dir, 'cache'))).toEqual([]);
    await exec.del(list, { containerId: 'c2', netns: '', ifName: 'eth0' });
  });

  it('runs CHECK forward with the cached result and refuses without one', async () => {
    await expect(exec.check(list, { containerId: 'none', netns: '/x', ifName: 'eth0' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await exec.add(list, { containerId: 'c3', netns: '/x', ifName: 'eth0' });
    await exec.check(list, { containerId: 'c3', netns: '/x', ifName: 'eth0' });
    const c = (await calls()).filter((x) => x.cmd === 'CHECK');
    expect(c.map((x) => x.name)).toEqual(['first', 'second']);
    expect(c[0]!.conf['prevResult']).toMatchObject({ by: 'second' });
  });

  it('turns a plugin JSON error into an AgentError naming plugin, command, message and code', async () => {
    await writeFile(join(bin, 'second'), fakePlugin('second', log, { fail: 'ADD' }));
    const err = await exec.add(list, { containerId: 'c4', netns: '/x', ifName: 'eth0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('FAILED_PRECONDITION');
    expect((err as AgentError).message).toBe('CNI second ADD c4 failed: boom from second (more) [CNI code 7]');
    expect(await readdir(join(dir, 'cache')).catch(() => [])).toEqual([]);
  });

  it('says which plugin is missing from which dirs', async () => {
    const bad: NetworkConfigList = { ...list, plugins: [{ type: 'nothere' }] };
    await expect(exec.add(bad, { containerId: 'c5', netns: '/x', ifName: 'eth0' })).rejects.toThrow(/CNI plugin "nothere" not found in .*nobin:.*bin/);
  });

  it('never runs two operations on one container at once', async () => {
    await writeFile(join(bin, 'first'), fakePlugin('first', log, { sleep: 0.2 }));
    await Promise.all([
      exec.add(list, { containerId: 'c6', netns: '/x', ifName: 'eth0' }),
      exec.del(list, { containerId: 'c6', netns: '', ifName: 'eth0' }),
    ]);
    expect((await calls()).map((x) => `${x.name}:${x.cmd}`)).toEqual(['first:ADD', 'second:ADD', 'second:DEL', 'first:DEL']);
  });

  it('collects cached attachments that are no longer valid', async () => {
    await exec.add(list, { containerId: 'keep', netns: '/x', ifName: 'eth0' });
    await exec.add(list, { containerId: 'gone', netns: '/x', ifName: 'eth0' });
    const out = await exec.gc(list, new Set(['keep']));
    expect(out.removed).toEqual(['gone']);
    expect(await readdir(join(dir, 'cache'))).toEqual(['tnet-keep-eth0']);
  });
});
