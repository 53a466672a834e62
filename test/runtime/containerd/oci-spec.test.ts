import { describe, expect, it } from 'vitest';
import {
  buildOciSpec,
  DEFAULT_CAPABILITIES,
  DEFAULT_PATH_ENV,
  mergeEnv,
  resolveUser,
} from '../../../src/runtime/containerd/oci-spec.js';

const base = { id: 'esb-dev-fn-0a1b2c3d', namespace: 'esb', image: {}, env: {} };

describe('buildOciSpec', () => {
  it('goes from an empty image to containerd 1.6 default Linux spec facts', () => {
    const s = buildOciSpec(base);
    expect(s['ociVersion']).toBe('1.0.2-dev');
    expect(s['root']).toEqual({ path: 'rootfs' });
    expect(s.process).toMatchObject({
      cwd: '/',
      noNewPrivileges: true,
      user: { uid: 0, gid: 0, additionalGids: [0] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      env: [DEFAULT_PATH_ENV],
      args: [],
    });
    const caps = s.process['capabilities'] as Record<string, string[]>;
    expect(Object.keys(caps).sort()).toEqual(['bounding', 'effective', 'permitted']);
    expect(caps['bounding']).toEqual(DEFAULT_CAPABILITIES);
    expect(caps['bounding']).toHaveLength(14);
    expect(s.mounts.map((m) => `${m.destination} ${m.type} ${m.source} ${m.options.join(',')}`)).toEqual([
      '/proc proc proc nosuid,noexec,nodev',
      '/dev tmpfs tmpfs nosuid,strictatime,mode=755,size=65536k',
      '/dev/pts devpts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5',
      '/dev/shm tmpfs shm nosuid,noexec,nodev,mode=1777,size=65536k',
      '/dev/mqueue mqueue mqueue nosuid,noexec,nodev',
      '/sys sysfs sysfs nosuid,noexec,nodev,ro',
      '/run tmpfs tmpfs nosuid,strictatime,mode=755,size=65536k',
    ]);
    expect(s.linux['cgroupsPath']).toBe('/esb/esb-dev-fn-0a1b2c3d');
    expect(s.linux['resources']).toEqual({ devices: [{ allow: false, access: 'rwm' }] });
    expect(s.linux.namespaces).toEqual([{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }]);
    expect(s.linux['maskedPaths']).toHaveLength(10);
    expect(s.linux['maskedPaths']).toContain('/proc/kcore');
    expect(s.linux['readonlyPaths']).toEqual(['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  });

  it('goes from image config, request env, memory limit, resolv.conf and a netns path to the merged spec', () => {
    const s = buildOciSpec({
      ...base,
      image: { entrypoint: ['/usr/bin/node'], cmd: ['/app/server.js'], env: ['PATH=/bin', 'A=1', 'B=2'], workingDir: '/app' },
      env: { B: 'request', C: '3' },
      memoryLimitBytes: 134217728,
      resolvConfPath: '/run/x/w.resolv.conf',
      netnsPath: '/var/run/netns/w',
      user: { uid: 1000, gid: 1000, additionalGids: [1000, 10] },
    });
    expect(s.process.args).toEqual(['/usr/bin/node', '/app/server.js']);
    expect(s.process.env).toEqual(['PATH=/bin', 'A=1', 'B=request', 'C=3']);
    expect(s.process.cwd).toBe('/app');
    expect(s.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [1000, 10] });
    expect(s.linux['resources']).toEqual({ devices: [{ allow: false, access: 'rwm' }], memory: { limit: 134217728 } });
    expect(s.mounts.at(-1)).toEqual({ destination: '/etc/resolv.conf', type: 'bind', source: '/run/x/w.resolv.conf', options: ['rbind', 'ro'] });
    expect(s.linux.namespaces.at(-1)).toEqual({ type: 'network', path: '/var/run/netns/w' });
  });
});

describe('mergeEnv', () => {
  it('replaces in place, appends new keys and unsets entries without "="', () => {
    expect(mergeEnv(['A=1', 'B=2', 'C=3'], ['B=x', 'D=4', 'A'])).toEqual(['B=x', 'C=3', 'D=4']);
  });
});

describe('resolveUser', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n';
  const group = 'root:x:0:\nwheel:x:10:app\napp:x:1001:\nstaff:x:50:app,other\n';
  it('goes from names and numbers to uid, gid and supplementary groups', () => {
    expect(resolveUser('', passwd, group)).toEqual({ uid: 0, gid: 0, additionalGids: [0] });
    expect(resolveUser('app', passwd, group)).toEqual({ uid: 1000, gid: 1001, additionalGids: [1001, 10, 50] });
    expect(resolveUser('1000', passwd, group)).toEqual({ uid: 1000, gid: 1001, additionalGids: [1001, 10, 50] });
    expect(resolveUser('app:staff', passwd, group).gid).toBe(50);
    expect(resolveUser('4242:7', '', '')).toEqual({ uid: 4242, gid: 7, additionalGids: [7] });
    expect(() => resolveUser('ghost', passwd, group)).toThrow(/no user "ghost"/);
    expect(() => resolveUser('app:ghosts', passwd, group)).toThrow(/no group "ghosts"/);
  });
});
