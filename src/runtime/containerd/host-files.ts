/**
 * Host-side files of a worker: the generated resolv.conf, the stdout/stderr log (written by the
 * shim through a `file://` URI, capped by {@link LogCapper}), the pre-created netns, and reading
 * /etc/passwd-style files out of a prepared rootfs.
 */
import { execFile } from 'node:child_process';
import { copyFile, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AgentError } from '../../errors.js';
import { writeFileAtomic } from '../cni/identity-file.js';

const execFileP = promisify(execFile);

/** Pure. Path of a worker's resolv.conf. */
export function resolvConfPath(dir: string, name: string): string {
  return join(dir, `${name}.resolv.conf`);
}

/** Pure. Path of a worker's log file. */
export function workerLogPath(dir: string, name: string): string {
  return join(dir, `${name}.log`);
}

/** Writes `nameserver <ip>\n` for the worker (atomic, 0644). Throws on I/O errors. */
export async function writeResolvConf(dir: string, name: string, nameserver: string): Promise<string> {
  const path = resolvConfPath(dir, name);
  await writeFileAtomic(path, `nameserver ${nameserver}\n`, 0o644, '.esb-resolv-');
  return path;
}

/** Removes the worker's resolv.conf and logs; absent is fine. */
export async function removeWorkerFiles(resolvDir: string, logDir: string, name: string): Promise<void> {
  const log = workerLogPath(logDir, name);
  await Promise.all([rm(resolvConfPath(resolvDir, name), { force: true }), rm(log, { force: true }), rm(`${log}.1`, { force: true })]);
}

/**
 * Caps worker logs: every `intervalMs`, a `<name>.log` larger than `maxBytes` is copied to
 * `<name>.log.1` and truncated to zero. The shim opens the file O_APPEND, so it keeps writing at
 * the new end. Bytes written between copy and truncate may be lost; that is the cap's price.
 */
export class LogCapper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly intervalMs = 5000,
  ) {}

  start(): void {
    if (this.timer || this.maxBytes <= 0) return;
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over the dir; returns the files that were rotated. */
  async sweep(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const rotated: string[] = [];
    for (const n of names.filter((x) => x.endsWith('.log'))) {
      const path = join(this.dir, n);
      try {
        if ((await stat(path)).size <= this.maxBytes) continue;
        await copyFile(path, `${path}.1`);
        await truncate(path, 0);
        rotated.push(path);
      } catch {
        // removed meanwhile
      }
    }
    return rotated;
  }
}

/** Pure. Path of a pre-created network namespace. */
export function netnsPath(name: string): string {
  return `/var/run/netns/${name}`;
}

/** `ip netns add <name>`. Throws INTERNAL with ip's message. */
export async function createNetns(name: string): Promise<string> {
  try {
    await execFileP('ip', ['netns', 'add', name], { timeout: 10_000 });
  } catch (err) {
    const msg = ((err as { stderr?: string }).stderr || (err as Error).message).trim();
    if (/exists/i.test(msg)) return netnsPath(name);
    throw new AgentError('INTERNAL', `ip netns add ${name}: ${msg}`, { cause: err, step: 'network' });
  }
  return netnsPath(name);
}

/** `ip netns delete <name>`; absent is fine. */
export async function deleteNetns(name: string): Promise<void> {
  try {
    await stat(netnsPath(name));
  } catch {
    return;
  }
  try {
    await execFileP('ip', ['netns', 'delete', name], { timeout: 10_000 });
  } catch (err) {
    const msg = ((err as { stderr?: string }).stderr || (err as Error).message).trim();
    if (/No such file/i.test(msg)) return;
    throw new AgentError('INTERNAL', `ip netns delete ${name}: ${msg}`, { cause: err, step: 'network' });
  }
}

/**
 * Reads `relPath` (e.g. `etc/passwd`) from a rootfs described by snapshot mounts without
 * mounting: a bind mount's source, or an overlay's upperdir then lowerdirs. '' when absent.
 */
export async function readRootfsFile(mounts: ReadonlyArray<{ type: string; source: string; options: string[] }>, relPath: string): Promise<string> {
  const dirs: string[] = [];
  for (const m of mounts) {
    if (m.type === 'bind') dirs.push(m.source);
    if (m.type === 'overlay') {
      const opt = (k: string): string | undefined => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
      const upper = opt('upperdir');
      if (upper) dirs.push(upper);
      dirs.push(...(opt('lowerdir') ?? '').split(':').filter(Boolean));
    }
  }
  for (const d of dirs) {
    try {
      return await readFile(join(d, relPath), 'utf8');
    } catch {
      // next layer
    }
  }
  return '';
}
