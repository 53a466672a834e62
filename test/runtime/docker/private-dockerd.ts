/**
 * A private dockerd for the event-stream restart test, so the shared daemon is never
 * restarted: own socket, data-root, exec-root, pidfile, containerd namespaces (on the shared
 * containerd), no bridge, no iptables, no forwarding. Stopped by its PID only; everything it
 * made is removed at the end.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { DOCKER, waitFor } from './docker-int-helpers.js';

const run = promisify(execFile);

export class PrivateDockerd {
  /** @param id a test brand (`esbt-…`): names the folders and IS the containerd namespace. */
  constructor(readonly id: string) {}

  get dir(): string {
    return `/var/lib/esb-dev/${this.id}-dockerd`;
  }
  get execRoot(): string {
    return `/run/${this.id}-dockerd`;
  }
  get socket(): string {
    return `/run/${this.id}-dockerd.sock`;
  }
  get pidFile(): string {
    return `/run/${this.id}-dockerd.pid`;
  }
  pid = 0;

  get host(): string {
    return `unix://${this.socket}`;
  }

  /** Runs the docker CLI against this daemon. */
  async docker(...args: string[]): Promise<string> {
    const { stdout } = await run(DOCKER, ['-H', this.host, ...args], { timeout: 60_000 });
    return stdout.trim();
  }

  /** Starts the daemon and waits until it answers. */
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(`${this.dir}/daemon.json`, '{}');
    const log = openSync(`${this.dir}/dockerd.log`, 'a');
    const child = spawn('/usr/sbin/dockerd', [
      '--config-file', `${this.dir}/daemon.json`,
      '--containerd', '/run/containerd/containerd.sock',
      '--containerd-namespace', this.id, '--containerd-plugins-namespace', `${this.id}-plugins`,
      '--data-root', `${this.dir}/data`, '--exec-root', this.execRoot, '--pidfile', this.pidFile,
      '-H', this.host, '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false',
      '--userland-proxy=false', '--storage-driver', 'overlay2',
    ], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    this.pid = child.pid ?? 0;
    await waitFor(async () => (await this.docker('version', '--format', '{{.Server.Version}}')).length > 0, 30_000, 'private dockerd');
  }

  /** SIGTERM by PID, then wait for the process to be gone (SIGKILL after 20 s). */
  async stop(): Promise<void> {
    if (!this.pid) return;
    const pid = this.pid;
    this.pid = 0;
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    process.kill(pid, 'SIGTERM');
    try {
      await waitFor(() => !alive(), 20_000, 'private dockerd exit');
    } catch {
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !alive(), 10_000, 'private dockerd exit after SIGKILL');
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Removes containers and images, stops the daemon, deletes its folders and containerd namespaces. */
  async destroy(): Promise<void> {
    if (this.pid) {
      const ids = await this.docker('ps', '-aq').catch(() => '');
      if (ids) await this.docker('rm', '-f', ...ids.split('\n')).catch(() => undefined);
      const imgs = await this.docker('images', '-q').catch(() => '');
      if (imgs) await this.docker('rmi', '-f', ...new Set(imgs.split('\n'))).catch(() => undefined);
      await this.stop();
    }
    for (const p of [this.dir, this.execRoot, this.socket, this.pidFile]) rmSync(p, { recursive: true, force: true });
    // containerd may still be deleting the daemon's containers for a moment: retry until gone
    await waitFor(async () => {
      const left = (await run('ctr', ['namespaces', 'ls', '-q'])).stdout.split('\n').filter((n) => n.startsWith(this.id));
      for (const ns of left) await run('ctr', ['namespaces', 'rm', ns]).catch(() => undefined);
      return left.length === 0;
    }, 30_000, `containerd namespaces of ${this.id} removed`);
  }

  /** What is left of this daemon (process, folders, containerd namespaces, mounts); [] when clean. */
  async leftovers(): Promise<string[]> {
    const left: string[] = [];
    if (this.pid) left.push(`dockerd pid ${this.pid}`);
    for (const p of [this.dir, this.execRoot, this.socket, this.pidFile]) if (existsSync(p)) left.push(p);
    const { stdout } = await run('ctr', ['namespaces', 'ls', '-q']);
    left.push(...stdout.split('\n').filter((n) => n.startsWith(this.id)).map((n) => `containerd namespace ${n}`));
    left.push(...readFileSync('/proc/mounts', 'utf8').split('\n').filter((m) => m.includes(this.id)).map((m) => `mount ${m}`));
    return left;
  }
}
