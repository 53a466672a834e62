/**
 * The agent's observability HTTP server (node:http): Prometheus `/metrics`, `/healthz`,
 * `/readyz`, the live page and its JSON/SSE API. Unlike the Go agent (contract §8.14: plain HTTP
 * on all interfaces, metrics on every path) it binds loopback by default, answers only the
 * paths below (404 otherwise, 405 for methods other than GET/HEAD) and can require Basic auth
 * (everything except `/healthz` and `/readyz`, which carry nothing secret and serve probes).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Supervisor } from '../machines/supervisor-api.js';
import type { WorkerView } from '../machines/worker-types.js';
import { basicAuthChecker } from './basic-auth.js';
import { machineGraph, type StateNodeLike } from './machine-graph.js';
import type { AgentMetrics } from './metrics.js';
import { loadPageAssets, type Asset } from './page-assets.js';
import { createEventStream, type EventStream } from './sse.js';
import { layoutStatechart } from './statechart-layout.js';
import type { WorkerTracker } from './worker-tracker.js';

export interface Readiness {
  ready: boolean;
  /** Named checks shown in the body, e.g. `{ adoption: true, grpc: false }`. */
  checks?: Record<string, boolean> | undefined;
}

export interface ObservabilityHttpOptions {
  /** @default 127.0.0.1 */
  host?: string | undefined;
  /** 0 picks a free port. */
  port: number;
  /** `user:password`; unset means no auth. */
  basicAuth?: string | undefined;
  metrics: AgentMetrics;
  tracker: WorkerTracker;
  supervisor: Pick<Supervisor, 'all' | 'lookup'>;
  /** The worker machine (its `root` StateNode), drawn by the page. */
  machine: { id: string; root: StateNodeLike };
  readiness: () => Readiness;
  /** Epoch ms. @default Date.now */
  now?: (() => number) | undefined;
}

export interface ObservabilityHttpServer {
  /** Starts listening. @throws the listen error (EADDRINUSE, …). */
  listen(): Promise<AddressInfo>;
  /** Ends SSE streams and closes the server. */
  close(): Promise<void>;
  readonly events: EventStream;
  readonly server: Server;
}

type Handler = (req: IncomingMessage, res: ServerResponse, rest: string) => void | Promise<void>;

const json = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
};
const plain = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(text);
};

/** Builds the server (not yet listening). @throws Error when the page assets are missing. */
export function createObservabilityServer(opts: ObservabilityHttpOptions): ObservabilityHttpServer {
  const assets = loadPageAssets();
  const graph = machineGraph(opts.machine);
  const machinePayload = { graph, layout: layoutStatechart(graph) };
  const checkAuth = opts.basicAuth ? basicAuthChecker(opts.basicAuth) : undefined;
  const now = opts.now ?? Date.now;
  const events = liveEvents(opts);

  const routes = new Map<string, Handler>([
    ['/metrics', async (_q, res) => {
      const body = await opts.metrics.render();
      res.writeHead(200, { 'Content-Type': opts.metrics.contentType });
      res.end(body);
    }],
    ['/healthz', (_q, res) => json(res, 200, { status: 'ok' })],
    ['/readyz', (_q, res) => {
      const r = opts.readiness();
      json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks ?? {} });
    }],
    ['/api/workers', (_q, res) => json(res, 200, { now: now(), workers: opts.supervisor.all() })],
    ['/api/workers/', (_q, res, name) => workerDetail(opts, res, decodeURIComponent(name))],
    ['/api/machine', (_q, res) => json(res, 200, machinePayload)],
    ['/api/events', (_q, res) => events.add(res, [{ event: 'snapshot', data: { now: now(), workers: opts.supervisor.all() } }])],
  ]);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const asset = assets.get(path);
    const [route, rest] = asset ? [undefined, ''] : findRoute(routes, path);
    if (!asset && !route) return plain(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    if (checkAuth && path !== '/healthz' && path !== '/readyz' && !checkAuth(req.headers.authorization)) {
      return plain(res, 401, 'authentication required\n', { 'WWW-Authenticate': 'Basic realm="esb-agent", charset="UTF-8"' });
    }
    if (asset) return sendAsset(res, asset);
    if (req.method === 'HEAD' && path === '/api/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      return void res.end();
    }
    await route?.(req, res, rest);
  };

  const server = createServer({ requestTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) plain(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      else res.destroy();
    });
  });
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;

  return {
    events,
    server,
    listen: () => new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    }),
    close: () => new Promise<void>((resolve) => {
      events.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function findRoute(routes: Map<string, Handler>, path: string): [Handler | undefined, string] {
  const exact = routes.get(path);
  if (exact && !path.endsWith('/')) return [exact, ''];
  if (path.startsWith('/api/workers/') && path.length > '/api/workers/'.length) {
    return [routes.get('/api/workers/'), path.slice('/api/workers/'.length)];
  }
  return [undefined, ''];
}

function sendAsset(res: ServerResponse, asset: Asset): void {
  res.writeHead(200, {
    'Content-Type': asset.contentType,
    'Cache-Control': 'no-cache',
    // Everything comes from the agent itself: no CDN, works offline.
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(asset.body);
}

/** The SSE stream, fed by the tracker only while at least one page is connected. */
function liveEvents(opts: ObservabilityHttpOptions): EventStream {
  let unsubscribe: (() => void) | undefined;
  const stream: EventStream = createEventStream({
    onClients(n) {
      if (n > 0 && !unsubscribe) {
        unsubscribe = opts.tracker.subscribe((change) => {
          if (change.kind === 'worker') stream.broadcast('worker', change);
          else stream.broadcast('activity', { name: change.name, record: change.record });
        });
      } else if (n === 0 && unsubscribe) {
        unsubscribe();
        unsubscribe = undefined;
      }
    },
  });
  return stream;
}

async function workerDetail(opts: ObservabilityHttpOptions, res: ServerResponse, name: string): Promise<void> {
  const view: WorkerView | undefined = opts.supervisor.all().find((v) => v.name === name || v.containerId === name);
  if (!view) return json(res, 404, { error: `worker ${name} not found`, activity: opts.tracker.recent(name) });
  let metrics: unknown;
  try {
    const handle = opts.supervisor.lookup(view.containerId || view.name, view.ownerId);
    metrics = await handle.metrics({ signal: AbortSignal.timeout(2_000) });
  } catch (err) {
    metrics = { error: err instanceof Error ? err.message : String(err) };
  }
  json(res, 200, { view, activity: opts.tracker.recent(view.name), metrics });
}
