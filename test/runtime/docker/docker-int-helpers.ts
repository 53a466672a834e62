/**
 * Helpers for the Docker adapter's integration tests against the real dockerd: availability
 * check (skip loudly outside CI, fail in CI), a per-test bed (unique brand env, its own
 * masquerade-free network, leak assertions, cleanup by label), invoke, and the
 * create → start → setupNetwork sequence with the machine's rollback.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { promisify } from 'node:util';
import type { ContainerRuntime, WorkerSpec } from '../../../src/runtime/container-runtime.js';
import { createDockerRuntime } from '../../../src/runtime/docker/create-docker-runtime.js';
import type { DockerRuntimeOptions } from '../../../src/runtime/docker/docker-options.js';

const run = promisify(execFile);
export const DOCKER = '/usr/bin/docker';
export const ECHO_IMAGE = '127.0.0.1:5000/esb/echo:latest';
export const INVOKE_PATH = '/2015-03-31/functions/function/invocations';

/** Runs `/usr/bin/docker args…`; resolves with trimmed stdout. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run(DOCKER, args, { timeout: 60_000, maxBuffer: 16 << 20 });
  return stdout.trim();
}

/** True when dockerd, the registry and the echo image are there. */
export async function dockerReady(): Promise<boolean> {
  if (!existsSync('/var/run/docker.sock')) return false;
  try {
    await docker('version', '--format', '{{.Server.Version}}');
    const r = await fetch('http://127.0.0.1:5000/v2/esb/echo/tags/list');
    return r.ok;
  } catch {
    return false;
  }
}

/** Resolves the skip flag once; in CI a missing daemon is a failure, elsewhere a loud skip. */
export async function requireDocker(): Promise<boolean> {
  const ok = await dockerReady();
  if (!ok && process.env['CI']) throw new Error('dockerd / registry / echo image missing in CI (run scripts/runtime-up.sh)');
  if (!ok) console.warn('SKIPPING Docker integration tests: dockerd, the registry or the echo image is missing');
  return !ok;
}

/** Polls `cond` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(cond: () => Promise<T> | T, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

export interface InvokeResult {
  status: number;
  body: string;
}

/** One POST to the worker's invoke path. */
export function invoke(ip: string, payload: unknown, timeoutMs = 10_000): Promise<InvokeResult> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(payload);
    const req = http.request(
      { host: ip, port: 8080, method: 'POST', path: INVOKE_PATH, timeout: timeoutMs, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('invoke timeout')));
    req.end(body);
  });
}

/** Retries connection errors until the worker answers (its port opens just after start). */
export async function invokeUntilOk(ip: string, payload: unknown, timeoutMs = 30_000): Promise<InvokeResult> {
  return waitFor(async () => invoke(ip, payload, 5_000), timeoutMs, `worker ${ip} to answer`);
}

/** Per-test isolation: unique env label, own network, cleanup and leak checks by label. */
export class DockerTestBed {
  readonly brand = 'dkt';
  readonly env = `t${randomBytes(4).toString('hex')}`;
  readonly network = `esb-dkt-${this.env}`;
  readonly identity = { brand: this.brand, env: this.env };
  private readonly runtimes: ContainerRuntime[] = [];
  private readonly images: string[] = [];

  async setup(): Promise<this> {
    await docker('network', 'create', '--driver', 'bridge', '-o', 'com.docker.network.bridge.enable_ip_masquerade=false', '--label', `dkt_env=${this.env}`, this.network);
    return this;
  }

  /** An adapter on the shared dockerd for this bed. */
  async runtime(extra: Partial<DockerRuntimeOptions> = {}): Promise<ContainerRuntime> {
    const rt = await createDockerRuntime({ network: this.network, identity: this.identity, callTimeoutMs: 30_000, ...extra });
    this.runtimes.push(rt);
    return rt;
  }

  /** A worker spec with a fresh name and the five labels. */
  spec(functionName = 'echo', extra: Partial<WorkerSpec> = {}): WorkerSpec {
    const name = `${this.brand}-${this.env}-${functionName}-${randomBytes(4).toString('hex')}`;
    const labels = {
      [`${this.brand}_function`]: functionName,
      created_by: `${this.brand}-agent`,
      [`${this.brand}_env`]: this.env,
      [`com.${this.brand}.kind`]: 'function',
      [`com.${this.brand}.owner`]: 'owner-1',
    };
    return { name, functionName, image: ECHO_IMAGE, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }, ownerId: 'owner-1', labels, memoryLimitBytes: 128 << 20, ...extra };
  }

  /** Registers a local image tag to remove at cleanup. */
  trackImage(ref: string): void {
    this.images.push(ref);
  }

  /** Names/ids of containers carrying this bed's env label (any state). */
  async leftovers(): Promise<string[]> {
    const out = await docker('ps', '-aq', '--filter', `label=${this.brand}_env=${this.env}`);
    return out ? out.split('\n') : [];
  }

  /** Removes everything of this bed; returns what had leaked (containers) before removal. */
  async cleanup(): Promise<string[]> {
    for (const rt of this.runtimes.splice(0)) await rt.close().catch(() => undefined);
    const leaked = await this.leftovers();
    if (leaked.length) await docker('rm', '-f', '-v', ...leaked).catch(() => undefined);
    await docker('network', 'rm', this.network).catch(() => undefined);
    for (const img of this.images.splice(0)) await docker('rmi', '-f', img).catch(() => undefined);
    return leaked;
  }
}

/**
 * The worker machine's Docker order (create → start → setupNetwork) with its rollback:
 * any failure stops and removes the container by name, then rethrows.
 */
export async function bringUp(rt: ContainerRuntime, spec: WorkerSpec, signal?: AbortSignal): Promise<{ containerId: string; ip: string }> {
  let created = false;
  try {
    await rt.ensureImage(spec.image, { signal });
    created = true; // from here a container may exist (even if create is aborted mid-flight)
    const { containerId } = await rt.create(spec, { signal });
    await rt.start(spec.name, { signal });
    const { ipAddress } = await rt.setupNetwork(spec.name, { signal });
    return { containerId, ip: ipAddress };
  } catch (err) {
    if (created) await destroy(rt, spec.name);
    throw err;
  }
}

/** The destroy sequence: stop with grace, teardownNetwork, remove. */
export async function destroy(rt: ContainerRuntime, name: string, graceMs = 2_000): Promise<void> {
  await rt.stop(name, { graceMs });
  await rt.teardownNetwork(name, {});
  await rt.remove(name, {});
}
