/**
 * A minimal dockerode-like stub for unit tests (testcontainers style): every method records
 * its call and answers from a per-method handler the test sets.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { DockerClient, DockerContainerHandle } from '../../../src/runtime/docker/docker-client.js';
import { resolveDockerOptions, type DockerRuntimeOptions } from '../../../src/runtime/docker/docker-options.js';
import { DockerRuntime } from '../../../src/runtime/docker/docker-runtime.js';

export interface Call {
  method: string;
  target?: string | undefined;
  opts: Record<string, unknown>;
}

type Handler = (target: string | undefined, opts: Record<string, unknown>) => unknown;

/** A docker-modem-style HTTP error. */
export function httpError(statusCode: number, message: string): Error {
  const e = new Error(`(HTTP code ${statusCode}) unexpected - ${message} `) as Error & { statusCode: number; json: unknown };
  e.statusCode = statusCode;
  e.json = { message };
  return e;
}

/** A socket error like Node's. */
export function socketError(code: string): Error {
  const e = new Error(`connect ${code} /var/run/docker.sock`) as Error & { code: string };
  e.code = code;
  return e;
}

/** A stream that emits `lines` as JSON lines, then ends. */
export function jsonLines(lines: unknown[]): Readable {
  const s = new PassThrough();
  setImmediate(() => {
    for (const l of lines) s.write(typeof l === 'string' ? `${l}\r\n` : `${JSON.stringify(l)}\r\n`);
    s.end();
  });
  return s;
}

/** Never settles until the abort signal fires (then rejects like dockerode does). */
export function hang(opts: Record<string, unknown>): Promise<never> {
  return new Promise((_, reject) => {
    const s = opts['abortSignal'] as AbortSignal | undefined;
    s?.addEventListener('abort', () => reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })));
  });
}

export class StubDocker {
  readonly calls: Call[] = [];
  readonly handlers = new Map<string, Handler>();

  on(method: string, h: Handler): this {
    this.handlers.set(method, h);
    return this;
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  private async run(method: string, target: string | undefined, opts: Record<string, unknown>): Promise<unknown> {
    this.calls.push({ method, target, opts });
    const h = this.handlers.get(method);
    if (!h) throw new Error(`stub: no handler for ${method}`);
    return h(target, opts);
  }

  /** The stub typed as the adapter's client. */
  client(): DockerClient {
    const r = <T>(m: string, t: string | undefined, o: object) => this.run(m, t, o as Record<string, unknown>) as Promise<T>;
    const container = (id: string): DockerContainerHandle => ({
      inspect: (o) => r('inspect', id, o),
      start: (o) => r('start', id, o),
      pause: (o) => r('pause', id, o),
      unpause: (o) => r('unpause', id, o),
      stop: (o) => r('stop', id, o),
      kill: (o) => r('kill', id, o),
      remove: (o) => r('remove', id, o),
      stats: (o) => r('stats', id, o),
    });
    return {
      ping: (o) => r('ping', undefined, o),
      version: (o) => r('version', undefined, o),
      listContainers: (o) => r('listContainers', undefined, o),
      createContainer: (b) => r('createContainer', b.name, b),
      getContainer: container,
      getImage: (name) => ({ inspect: (o) => r('imageInspect', name, o) }),
      getNetwork: (id) => ({ inspect: (o) => r('networkInspect', id, o) }),
      createImage: (o) => r('createImage', `${o.fromImage}:${o.tag}`, o),
      getEvents: (o) => r('getEvents', undefined, o),
    };
  }
}

export const identity = { brand: 'esb', env: 'dev' };

/** A DockerRuntime over the stub with short timeouts. */
export function stubRuntime(stub: StubDocker, extra: Partial<DockerRuntimeOptions> = {}): DockerRuntime {
  const options = resolveDockerOptions({ network: 'esb-net', identity, callTimeoutMs: 200, ipLookupTimeoutMs: 300, ...extra });
  return new DockerRuntime({ client: stub.client(), streamClient: stub.client(), options, endpoint: 'unix:///stub.sock' });
}
