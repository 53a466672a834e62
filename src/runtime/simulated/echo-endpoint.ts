/**
 * A simulated worker's HTTP endpoint: a tiny RIE stand-in on `ip:8080`.
 *
 * - `POST /2015-03-31/functions/<fn>/invocations` answers 200 with the same shape as the
 *   test-bed echo image: `{"statusCode":200,"body":"{\"echo\":<event>,\"count\":n,...}"}`.
 * - One invocation at a time: a request that arrives while another is being answered gets
 *   400 (RIE's `AlreadyReserved`).
 * - Test knobs, as request headers: `x-sim-delay-ms` delays the answer (to hold an invocation
 *   open); `x-sim-status` answers with that HTTP status; `x-sim-response-bytes` answers with a
 *   `text/plain` body of that many `x` (to test response-size caps). The echo also reports the
 *   request path and headers it saw, and the reply carries `x-sim-worker: <name>`.
 * - Mode `starting` (bound but the process has not started) resets connections; `paused`
 *   holds requests unanswered until `serving` again; other paths get 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type EndpointMode = 'starting' | 'serving' | 'paused';

export interface EndpointIdentity {
  name: string;
  functionName: string;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/[^/?]+\/invocations(?:\?.*)?$/;
const MAX_DELAY_MS = 60_000;
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class EchoEndpoint {
  readonly #server: http.Server;
  readonly #identity: EndpointIdentity;
  #mode: EndpointMode = 'starting';
  #busy = false;
  #count = 0;
  readonly #held: Array<[http.IncomingMessage, http.ServerResponse]> = [];
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(identity: EndpointIdentity) {
    this.#identity = identity;
    this.#server = http.createServer((req, res) => this.#onRequest(req, res));
    this.#server.keepAliveTimeout = 5_000;
  }

  /** Binds `host:port`; rejects with the listen error (e.g. EADDRINUSE). */
  static async listen(host: string, port: number, identity: EndpointIdentity): Promise<EchoEndpoint> {
    const ep = new EchoEndpoint(identity);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      ep.#server.once('error', onError);
      ep.#server.listen({ host, port, exclusive: true }, () => {
        ep.#server.off('error', onError);
        resolve();
      });
    });
    return ep;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get mode(): EndpointMode {
    return this.#mode;
  }

  /** Number of invocations answered so far. */
  get count(): number {
    return this.#count;
  }

  /** True while an invocation is being answered. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Requests held while paused. */
  get held(): number {
    return this.#held.length;
  }

  setMode(mode: EndpointMode): void {
    this.#mode = mode;
    if (mode === 'serving') {
      for (const [req, res] of this.#held.splice(0)) this.#route(req, res);
    }
  }

  /** Stops listening and drops every connection, held requests included. */
  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const [req] of this.#held.splice(0)) req.socket.destroy();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.#mode === 'starting') {
      req.socket.destroy();
      return;
    }
    if (this.#mode === 'paused') {
      this.#held.push([req, res]);
      return;
    }
    this.#route(req, res);
  }

  #route(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'POST' || !INVOKE_PATH.test(req.url ?? '')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (this.#busy) {
      req.resume();
      const body = JSON.stringify({ errorType: 'AlreadyReserved', errorMessage: 'an invocation is already in progress' });
      res.writeHead(400, { 'content-type': 'application/json' }).end(body);
      return;
    }
    this.#busy = true;
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      if (timer) {
        clearTimeout(timer);
        this.#timers.delete(timer);
      }
      // The caller went away before the answer: the worker is free again.
      if (!res.writableEnded) this.#busy = false;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delay = Math.min(MAX_DELAY_MS, Math.max(0, Number(req.headers['x-sim-delay-ms']) || 0));
      const raw = Buffer.concat(chunks).toString('utf8');
      if (delay === 0) return this.#reply(req, res, raw);
      timer = setTimeout(() => {
        this.#timers.delete(timer!);
        timer = undefined;
        this.#reply(req, res, raw);
      }, delay);
      this.#timers.add(timer);
    });
  }

  #reply(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    this.#count++;
    this.#busy = false;
    const { name, functionName } = this.#identity;
    const status = Number(req.headers['x-sim-status']);
    const code = Number.isInteger(status) && status >= 200 && status <= 599 ? status : 200;
    const size = Number(req.headers['x-sim-response-bytes']);
    if (Number.isInteger(size) && size >= 0) {
      res.writeHead(code, { 'content-type': 'text/plain', 'x-sim-worker': name });
      res.end(Buffer.alloc(Math.min(size, MAX_RESPONSE_BYTES), 'x'));
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(raw === '' ? '{}' : raw);
    } catch {
      event = raw;
    }
    const inner = JSON.stringify({ echo: event, count: this.#count, name, functionName, path: req.url, headers: req.headers });
    res.writeHead(code, { 'content-type': 'application/json', 'x-sim-worker': name });
    res.end(JSON.stringify({ statusCode: 200, body: inner }));
  }

}
