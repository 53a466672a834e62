/**
 * A private containerd for the daemon-restart test, so the shared daemon is never restarted:
 * own config, root, state and socket under names derived from the test brand; CRI off. Started
 * and stopped by its PID only. The test must remove its containers before `destroy()`, which
 * stops the daemon and removes its folders (refusing while mounts remain under its root).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, waitFor } from '../helpers/index.js';

export class PrivateContainerd {
  private child: ChildProcess | undefined;

  /** @param id a test brand (`esbt-…`); names the folders. */
  constructor(readonly id: string) {}

  get dir(): string {
    return `/var/lib/esb-dev/${this.id}-containerd`;
  }
  get state(): string {
    return `/run/${this.id}-containerd`;
  }
  get socket(): string {
    return `/run/${this.id}-containerd.sock`;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** `ctr` against this daemon. */
  async ctr(namespace: string, args: string[]): Promise<string> {
    return (await run('ctr', ['--address', this.socket, '-n', namespace, ...args], { timeoutMs: 120_000 })).stdout;
  }

  /** Starts the daemon and waits until it answers. */
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const config = join(this.dir, 'config.toml');
    writeFileSync(config, [
      'version = 2', `root = "${join(this.dir, 'root')}"`, `state = "${this.state}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]', '[grpc]', `  address = "${this.socket}"`, '',
    ].join('\n'));
    const log = openSync(join(this.dir, 'containerd.log'), 'a');
    this.child = spawn('/usr/bin/containerd', ['--config', config], { stdio: ['ignore', log, log], detached: false });
    closeSync(log);
    const child = this.child;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`private containerd exited: ${this.tail()}`);
      return (await run('ctr', ['--address', this.socket, 'version'], { allowFail: true, timeoutMs: 5_000 })).code === 0;
    }, { timeoutMs: 60_000, what: 'private containerd up' });
  }

  /** SIGTERM to our daemon (by PID), waiting for its exit; the shims and workers keep running. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the daemon and removes its folders. Throws when something is still mounted under them. */
  async destroy(): Promise<void> {
    await this.stop();
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(this.dir) || l.includes(this.state));
    if (mounts.length > 0) throw new Error(`private containerd ${this.id} still has mounts: ${mounts.join('; ')}`);
    for (const p of [this.dir, this.state, this.socket, `${this.socket}.ttrpc`]) if (existsSync(p)) rmSync(p, { recursive: true, force: true });
  }

  private tail(): string {
    try {
      return readFileSync(join(this.dir, 'containerd.log'), 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }
}
