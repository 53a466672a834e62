import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogCapper, readRootfsFile, resolvConfPath, writeResolvConf } from '../../../src/runtime/containerd/host-files.js';

describe('worker host files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esb-hostfiles-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('goes from a log over the cap to a .1 copy and an emptied file an O_APPEND writer keeps using', async () => {
    const log = join(dir, 'w1.log');
    const writer = await open(log, 'a'); // like the shim: O_APPEND
    await writer.write('x'.repeat(2000));
    await writeFile(join(dir, 'small.log'), 'ok');
    const capper = new LogCapper(dir, 1000);
    expect(await capper.sweep()).toEqual([log]);
    expect((await stat(`${log}.1`)).size).toBe(2000);
    expect((await stat(log)).size).toBe(0);
    await writer.write('after');
    await writer.close();
    expect(await readFile(log, 'utf8')).toBe('after');
    expect(await readFile(join(dir, 'small.log'), 'utf8')).toBe('ok');
  });

  it('writes the worker resolv.conf with exactly one nameserver line', async () => {
    const p = await writeResolvConf(dir, 'w1', '10.1.0.1');
    expect(p).toBe(resolvConfPath(dir, 'w1'));
    expect(await readFile(p, 'utf8')).toBe('nameserver 10.1.0.1\n');
  });

  it('reads a file from bind or overlay snapshot mounts, upper layer first', async () => {
    await appendFile(join(dir, 'lower-passwd'), '');
    const { mkdir } = await import('node:fs/promises');
    for (const d of ['upper/etc', 'l1/etc', 'l2/etc']) await mkdir(join(dir, d), { recursive: true });
    await writeFile(join(dir, 'l1/etc/passwd'), 'from-l1');
    await writeFile(join(dir, 'l2/etc/passwd'), 'from-l2');
    await writeFile(join(dir, 'l2/etc/group'), 'g-l2');
    const overlay = [{ type: 'overlay', source: 'overlay', options: ['index=off', `upperdir=${join(dir, 'upper')}`, `lowerdir=${join(dir, 'l1')}:${join(dir, 'l2')}`] }];
    expect(await readRootfsFile(overlay, 'etc/passwd')).toBe('from-l1');
    expect(await readRootfsFile(overlay, 'etc/group')).toBe('g-l2');
    expect(await readRootfsFile(overlay, 'etc/shadow')).toBe('');
    expect(await readRootfsFile([{ type: 'bind', source: join(dir, 'l2'), options: ['rbind'] }], 'etc/passwd')).toBe('from-l2');
  });
});
