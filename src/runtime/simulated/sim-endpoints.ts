/**
 * The simulated network: one loopback IP lease per attached worker and, when endpoints are
 * on, the worker's HTTP echo endpoint on `ip:port`.
 */
import { AgentError } from '../../errors.js';
import { EchoEndpoint, type EndpointMode } from './echo-endpoint.js';
import { LoopbackPool } from './loopback-pool.js';

export interface SimEndpointsOptions {
  endpoints: boolean;
  port: number;
  /** First loopback slot; default 1, or a per-process /24 when endpoints are on. */
  ipStart?: number | undefined;
}

/** Attempts to find a free address when another process holds one. */
const BIND_ATTEMPTS = 32;

export class SimEndpoints {
  readonly #opts: SimEndpointsOptions;
  readonly #pool: LoopbackPool;
  readonly #leases = new Map<string, string>();
  readonly #servers = new Map<string, EchoEndpoint>();

  constructor(opts: SimEndpointsOptions) {
    this.#opts = opts;
    // With real listeners, start in a region of its own per process so that parallel test
    // files rarely meet; a collision is still handled by moving on to the next address.
    const start = opts.ipStart ?? (opts.endpoints ? 1 + (process.pid % 250) * 254 : 1);
    this.#pool = new LoopbackPool(start);
  }

  /** Leases an IP for `name` (the existing one when attached already) and binds its endpoint. */
  async attach(name: string, functionName: string): Promise<string> {
    const existing = this.#leases.get(name);
    if (existing !== undefined) return existing;
    if (!this.#opts.endpoints) {
      const ip = this.#pool.take();
      this.#leases.set(name, ip);
      return ip;
    }
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const ip = this.#pool.take();
      try {
        const ep = await EchoEndpoint.listen(ip, this.#opts.port, { name, functionName });
        this.#leases.set(name, ip);
        this.#servers.set(name, ep);
        return ip;
      } catch (err) {
        this.#pool.release(ip);
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw bindError(ip, this.#opts.port, err);
      }
    }
    throw new AgentError(
      'UNAVAILABLE',
      `no free loopback address for ${name} after ${BIND_ATTEMPTS} attempts on port ${this.#opts.port} ` +
        `(does something listen on 0.0.0.0:${this.#opts.port}?)`,
      { step: 'setupNetwork' },
    );
  }

  /** Releases the lease and closes the endpoint. Unknown = done. */
  async detach(name: string): Promise<void> {
    const ip = this.#leases.get(name);
    if (ip === undefined) return;
    this.#leases.delete(name);
    this.#pool.release(ip);
    await this.closeEndpoint(name);
  }

  /** Makes the endpoint answer (binding it again after a stop). No-op without endpoints or lease. */
  async serve(name: string, functionName: string): Promise<void> {
    const ip = this.#leases.get(name);
    if (!this.#opts.endpoints || ip === undefined) return;
    let ep = this.#servers.get(name);
    if (!ep) {
      try {
        ep = await EchoEndpoint.listen(ip, this.#opts.port, { name, functionName });
      } catch (err) {
        throw bindError(ip, this.#opts.port, err);
      }
      this.#servers.set(name, ep);
    }
    ep.setMode('serving');
  }

  setMode(name: string, mode: EndpointMode): void {
    this.#servers.get(name)?.setMode(mode);
  }

  async closeEndpoint(name: string): Promise<void> {
    const ep = this.#servers.get(name);
    if (!ep) return;
    this.#servers.delete(name);
    await ep.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.#servers.values()];
    this.#servers.clear();
    await Promise.all(all.map((ep) => ep.close()));
  }

  ipOf(name: string): string | undefined {
    return this.#leases.get(name);
  }

  urlOf(name: string): string | undefined {
    const ip = this.#leases.get(name);
    return ip !== undefined && this.#servers.has(name) ? `http://${ip}:${this.#opts.port}` : undefined;
  }

  leaseNames(): string[] {
    return [...this.#leases.keys()].sort();
  }

  endpointNames(): string[] {
    return [...this.#servers.keys()].sort();
  }

  /** The endpoint of `name`, for tests. */
  endpoint(name: string): EchoEndpoint | undefined {
    return this.#servers.get(name);
  }
}

function bindError(ip: string, port: number, err: unknown): AgentError {
  const msg = err instanceof Error ? err.message : String(err);
  return new AgentError('UNAVAILABLE', `cannot listen on ${ip}:${port} for a simulated worker: ${msg}`, { step: 'setupNetwork', cause: err });
}
