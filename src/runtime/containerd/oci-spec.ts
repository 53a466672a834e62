/**
 * The OCI runtime spec we hand to containerd, built ourselves: containerd 1.6's default Linux
 * spec (`oci/spec.go` populateDefaultUnixSpec) plus the image config,
 * the request env, the memory limit, the generated resolv.conf and the network namespace.
 * Everything here is pure.
 */

/** The parts of an image config (`config` object of the OCI image config) the spec uses. */
export interface ImageRuntimeConfig {
  entrypoint?: string[] | null | undefined;
  cmd?: string[] | null | undefined;
  env?: string[] | null | undefined;
  workingDir?: string | undefined;
  user?: string | undefined;
}

/** A resolved process user (see {@link resolveUser}). */
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface OciSpecInput {
  /** Container id; the cgroup path is `/<namespace>/<id>`. */
  id: string;
  namespace: string;
  image: ImageRuntimeConfig;
  /** Request env, merged over the image env (replace in place or append). */
  env: Readonly<Record<string, string>>;
  /** `linux.resources.memory.limit` when set. */
  memoryLimitBytes?: number | undefined;
  /** Host path of the generated resolv.conf, bind-mounted `rbind,ro` at /etc/resolv.conf. */
  resolvConfPath?: string | undefined;
  /** A pre-created network namespace to join; absent means runc creates a new one. */
  netnsPath?: string | undefined;
  /** Resolved user; default root with additional gid 0. */
  user?: ProcessUser | undefined;
}

/** The OCI spec as JSON-ready data (field names of runtime-spec config.md). */
export type OciSpec = Record<string, unknown> & {
  process: Record<string, unknown> & {
    args: string[];
    env: string[];
    cwd: string;
    user: { uid: number; gid: number; additionalGids?: number[] };
  };
  mounts: { destination: string; type: string; source: string; options: string[] }[];
  linux: Record<string, unknown> & { namespaces: { type: string; path?: string }[] };
};

/** `ociVersion` of the runtime-spec vendored by containerd 1.6. */
export const OCI_VERSION = '1.0.2-dev';

/** The PATH containerd puts in when the image has no Env. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Default capability set (bounding = permitted = effective). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export const DEFAULT_MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];

export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Pure. The default mounts of containerd 1.6 (no cgroup mount). */
export function defaultMounts(): OciSpec['mounts'] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  ];
}

/**
 * Pure. containerd's `replaceOrAppendEnvValues`: an entry whose key exists replaces it in place,
 * a new key is appended, and an entry without `=` removes the key.
 */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const out = [...base];
  const keyOf = (e: string): string => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  for (const entry of overrides) {
    const key = keyOf(entry);
    const idx = out.findIndex((e) => keyOf(e) === key);
    if (!entry.includes('=')) {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) {
      out[idx] = entry;
    } else {
      out.push(entry);
    }
  }
  return out;
}

/** Pure. Builds the full spec. Throws nothing; invalid input is the caller's to check. */
export function buildOciSpec(input: OciSpecInput): OciSpec {
  const imageEnv = input.image.env && input.image.env.length > 0 ? [...input.image.env] : [DEFAULT_PATH_ENV];
  const requestEnv = Object.entries(input.env).map(([k, v]) => `${k}=${v}`);
  const user = input.user ?? { uid: 0, gid: 0, additionalGids: [0] };
  const mounts = defaultMounts();
  if (input.resolvConfPath) {
    mounts.push({ destination: '/etc/resolv.conf', type: 'bind', source: input.resolvConfPath, options: ['rbind', 'ro'] });
  }
  const resources: Record<string, unknown> = { devices: [{ allow: false, access: 'rwm' }] };
  if (input.memoryLimitBytes !== undefined) resources['memory'] = { limit: input.memoryLimitBytes };
  const network = input.netnsPath ? { type: 'network', path: input.netnsPath } : { type: 'network' };
  return {
    ociVersion: OCI_VERSION,
    process: {
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: [...(input.image.entrypoint ?? []), ...(input.image.cmd ?? [])],
      env: mergeEnv(imageEnv, requestEnv),
      cwd: input.image.workingDir || '/',
      capabilities: {
        bounding: [...DEFAULT_CAPABILITIES],
        effective: [...DEFAULT_CAPABILITIES],
        permitted: [...DEFAULT_CAPABILITIES],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
    mounts,
    linux: {
      resources,
      cgroupsPath: `/${input.namespace}/${input.id}`,
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, network],
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
}

/**
 * Pure. Resolves an image `User` the way containerd's WithUser/WithAdditionalGIDs do, from the
 * rootfs' /etc/passwd and /etc/group texts (empty strings when absent). Throws Error when a
 * named user or group is not found.
 */
export function resolveUser(userSpec: string | undefined, passwd: string, group: string): ProcessUser {
  const users = parseColonFile(passwd);
  const groups = parseColonFile(group);
  const spec = (userSpec ?? '').trim();
  let uid = 0;
  let gid = 0;
  let userName = 'root';
  if (spec !== '') {
    const [u = '', g] = spec.split(':', 2);
    if (/^\d+$/.test(u)) {
      uid = Number(u);
      const entry = users.find((e) => e[2] === u);
      userName = entry?.[0] ?? '';
      gid = entry ? Number(entry[3]) : 0;
    } else {
      const entry = users.find((e) => e[0] === u);
      if (!entry) throw new Error(`no user "${u}" in the image's /etc/passwd`);
      userName = u;
      uid = Number(entry[2]);
      gid = Number(entry[3]);
    }
    if (g !== undefined && g !== '') {
      if (/^\d+$/.test(g)) gid = Number(g);
      else {
        const entry = groups.find((e) => e[0] === g);
        if (!entry) throw new Error(`no group "${g}" in the image's /etc/group`);
        gid = Number(entry[2]);
      }
    }
  }
  const supplementary = groups
    .filter((e) => userName !== '' && (e[3] ?? '').split(',').includes(userName))
    .map((e) => Number(e[2]))
    .filter((n) => Number.isFinite(n) && n !== gid);
  return { uid, gid, additionalGids: [gid, ...new Set(supplementary)] };
}

function parseColonFile(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}
