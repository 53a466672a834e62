/**
 * Helpers for the Docker adapter's integration tests against the real dockerd, on top of the
 * test bed (`test/helpers`): availability check (skip loudly outside CI, fail in CI), a
 * per-test bed (unique brand, its own masquerade-free network, leak assertions, cleanup),
 * invoke, and the create → start → setupNetwork sequence with the machine's rollback.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { promisify } from 'node:util';
import type { ContainerRuntime, WorkerSpec } from '../../../src/runtime/container-runtime.js';
import { createDockerRuntime } from '../../../src/runtime/docker/create-docker-runtime.js';
import type { DockerRuntimeOptions } from '../../../src/runtime/docker/docker-options.js';
import { createIsolation, requireRuntimes, TEST_LABEL, waitFor as waitUntil, WORKER_IMAGE_REF, type TestIsolation } from '../../helpers/index.js';
import type { DockerTestNetwork } from '../../helpers/index.js';

const run = promisify(execFile);
export const DOCKER = '/usr/bin/docker';
export const ECHO_IMAGE = WORKER_IMAGE_REF;
export const INVOKE_PATH = '/2015-03-31/functions/function/invocations';

/** Runs `/usr/bin/docker args…`; resolves with trimmed stdout. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run(DOCKER, args, { timeout: 60_000, maxBuffer: 16 << 20 });
  return stdout.trim();
}

/** Resolves the skip flag once (test-bed rule: a loud skip outside CI, a failure in CI). */
export async function requireDocker(file: string): Promise<boolean> {
  const check = await requireRuntimes(['docker', 'registry', 'image'], file);
  return !check.ok;
}

/** Polls `cond` until it returns a truthy value or `timeoutMs` passes. */
export function waitFor<T>(cond: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  return waitUntil(cond, { timeoutMs, intervalMs: 20, what });
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

/**
 * Per-test isolation on top of the test bed's {@link createIsolation}: a unique brand (so the
 * adapter's label filters only see this test's containers), the echo image in dockerd, the
 * test's own Docker network (its own subnet, masquerade off), leak checks and cleanup.
 */
export class DockerTestBed {
  private constructor(
    readonly iso: TestIsolation,
    private readonly net: DockerTestNetwork,
  ) {}

  /** Creates the isolation, loads the echo image into dockerd and makes the network. */
  static async create(testName: string): Promise<DockerTestBed> {
    const iso = await createIsolation(testName);
    try {
      await iso.loadDockerImage();
      return new DockerTestBed(iso, await iso.createDockerNetwork());
    } catch (err) {
      await iso.cleanup();
      throw err;
    }
  }

  private readonly runtimes: ContainerRuntime[] = [];
  private readonly images: string[] = [];

  get brand(): string {
    return this.iso.brand;
  }
  get env(): string {
    return this.iso.env;
  }
  get network(): string {
    return this.net.name;
  }
  get identity(): { brand: string; env: string } {
    return { brand: this.iso.brand, env: this.iso.env };
  }

  /** Removes the network now (to test a network that disappears). */
  removeNetwork(): Promise<void> {
    return this.net.remove();
  }

  /** An adapter on the shared dockerd for this bed. */
  async runtime(extra: Partial<DockerRuntimeOptions> = {}): Promise<ContainerRuntime> {
    const rt = await createDockerRuntime({ network: this.network, identity: this.identity, callTimeoutMs: 30_000, ...extra });
    this.runtimes.push(rt);
    return rt;
  }

  /** A worker spec with a fresh name, the five labels and the test-bed label. */
  spec(functionName = 'echo', extra: Partial<WorkerSpec> = {}): WorkerSpec {
    return workerSpec(this.identity, functionName, { [TEST_LABEL]: this.brand }, extra);
  }

  /** Registers a local image tag to remove at cleanup. */
  trackImage(ref: string): void {
    this.images.push(ref);
  }

  /** Ids of containers carrying this bed's label (any state). */
  async leftovers(): Promise<string[]> {
    const out = await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${this.brand}`);
    return out ? out.split('\n') : [];
  }

  /**
   * Closes the adapters, removes the images it tagged and the network, runs the test bed's
   * leak check and forced cleanup. Returns the containers that had leaked (then removed).
   */
  async cleanup(): Promise<string[]> {
    for (const rt of this.runtimes.splice(0)) await rt.close().catch(() => undefined);
    const leaked = await this.leftovers();
    if (leaked.length) await docker('rm', '-f', '-v', ...leaked).catch(() => undefined);
    for (const img of this.images.splice(0)) await docker('rmi', '-f', img).catch(() => undefined);
    try {
      await this.net.remove();
      await this.iso.assertNothingLeft();
    } finally {
      await this.iso.cleanup();
    }
    return leaked;
  }
}

/** A worker spec for `identity`: name `{brand}-{env}-{fn}-{8hex}`, the five labels plus `extraLabels`. */
export function workerSpec(identity: { brand: string; env: string }, functionName: string, extraLabels: Record<string, string> = {}, extra: Partial<WorkerSpec> = {}): WorkerSpec {
  const { brand, env } = identity;
  const labels = {
    ...extraLabels,
    [`${brand}_function`]: functionName,
    created_by: `${brand}-agent`,
    [`${brand}_env`]: env,
    [`com.${brand}.kind`]: 'function',
    [`com.${brand}.owner`]: 'owner-1',
  };
  const name = `${brand}-${env}-${functionName}-${randomBytes(4).toString('hex')}`;
  return { name, functionName, image: ECHO_IMAGE, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }, ownerId: 'owner-1', labels, memoryLimitBytes: 128 << 20, ...extra };
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
