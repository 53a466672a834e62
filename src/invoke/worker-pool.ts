/**
 * Keep-alive HTTP clients, one per worker (undici `Client`: a single connection is enough
 * because the gate lets one invocation through at a time). A worker's client is closed before
 * the worker is paused and when it is destroyed: a frozen worker would otherwise keep
 * half-dead keep-alive sockets (OpenWhisk `Container.suspend` does the same). The next
 * invocation after a resume opens a fresh connection.
 */
import { Client } from 'undici';

export interface WorkerPoolOptions {
  /** Connect timeout per connection attempt. @default 2000 */
  connectTimeoutMs?: number;
  /** Idle keep-alive sockets are closed after this long (the worker's own hint wins when shorter). @default 4000 */
  keepAliveTimeoutMs?: number;
  /** Largest response header block accepted from a worker, in bytes. @default 16384 */
  maxHeaderSize?: number;
}

interface Entry {
  origin: string;
  client: Client;
}

export class WorkerPool {
  readonly #clients = new Map<string, Entry>();
  readonly #opts: Required<WorkerPoolOptions>;

  constructor(opts: WorkerPoolOptions = {}) {
    this.#opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
      keepAliveTimeoutMs: opts.keepAliveTimeoutMs ?? 4000,
      maxHeaderSize: opts.maxHeaderSize ?? 16_384,
    };
  }

  /** Number of workers with an open client. */
  get size(): number {
    return this.#clients.size;
  }

  /** Whether `name` has an open client. */
  has(name: string): boolean {
    return this.#clients.has(name);
  }

  /**
   * The client for worker `name` at `origin` (`http://ip:port`), created on first use. A
   * client for an older origin of the same worker is destroyed and replaced.
   */
  client(name: string, origin: string): Client {
    const entry = this.#clients.get(name);
    if (entry !== undefined && entry.origin === origin && !entry.client.closed && !entry.client.destroyed) {
      return entry.client;
    }
    if (entry !== undefined) void entry.client.destroy().catch(() => undefined);
    const client = new Client(origin, {
      connect: { timeout: this.#opts.connectTimeoutMs },
      keepAliveTimeout: this.#opts.keepAliveTimeoutMs,
      maxHeaderSize: this.#opts.maxHeaderSize,
      pipelining: 1,
    });
    this.#clients.set(name, { origin, client });
    return client;
  }

  /**
   * Closes worker `name`'s client: an invocation in flight finishes first, then the sockets
   * close. Resolves when closed; a no-op for an unknown worker. Never rejects.
   */
  async close(name: string): Promise<void> {
    const entry = this.#clients.get(name);
    if (entry === undefined) return;
    this.#clients.delete(name);
    await entry.client.close().catch(() => undefined);
  }

  /** Destroys worker `name`'s client at once, aborting an invocation in flight. Never rejects. */
  async destroy(name: string): Promise<void> {
    const entry = this.#clients.get(name);
    if (entry === undefined) return;
    this.#clients.delete(name);
    await entry.client.destroy().catch(() => undefined);
  }

  /** Closes every client (graceful). Never rejects. */
  async closeAll(): Promise<void> {
    const names = [...this.#clients.keys()];
    await Promise.all(names.map((n) => this.close(n)));
  }
}
