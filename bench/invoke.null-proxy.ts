/**
 * The invoke bench's lower bounds for any proxy hop on this machine: two do-nothing proxies in
 * a child process of their own (as the agent runs), in front of the same workers.
 *
 *   null-proxy  the cheapest L7 hop: a node:http server on 127.0.0.1 that reads the request
 *               body, POSTs it to worker <i> (from the path prefix `/<i>/…`) over a keep-alive
 *               undici Client per worker (pipelining 1), and answers with the worker's status,
 *               content type and body. No gRPC, no protobuf, no logs, no metrics, no checks.
 *   tcp-relay   the cheapest hop at all: one listening port per worker; every accepted
 *               connection is paired with a new connection to the worker and bytes are copied
 *               both ways. Nothing is parsed.
 *
 * Forked by bench/invoke.bench.ts (`--null-proxy-child`): it receives the worker addresses
 * over IPC, answers with its ports, reports its CPU on 'cpu' and exits on 'stop' or disconnect.
 */
import http from 'node:http';
import net from 'node:net';
import { Client, type Dispatcher } from 'undici';

export interface NullProxyPorts {
  /** Port of the HTTP/1.1 forwarder; worker i is reached with the path prefix `/<i>`. */
  http: number;
  /** One relay port per worker, in worker order. */
  tcp: number[];
}

const listen = (server: net.Server): Promise<number> => new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
});

/** Forwards one buffered request to `client` and answers `res` with what comes back. */
function forward(client: Client, path: string, headers: http.IncomingHttpHeaders, body: Buffer, res: http.ServerResponse): void {
  let status = 502;
  let type: string | undefined;
  const chunks: Buffer[] = [];
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart() { /* nothing to keep */ },
    onResponseStart(_c, statusCode, h) {
      status = statusCode;
      type = h['content-type'] as string | undefined;
    },
    onResponseData(_c, chunk) { chunks.push(chunk); },
    onResponseEnd() {
      const out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      res.writeHead(status, type === undefined ? { 'content-length': out.length } : { 'content-type': type, 'content-length': out.length });
      res.end(out);
    },
    onResponseError() {
      res.writeHead(502).end();
    },
  };
  const ct = headers['content-type'];
  client.dispatch({ path, method: 'POST', body, headers: ct === undefined ? {} : { 'content-type': ct } }, handler);
}

/** Starts both proxies in front of `origins` (`http://ip:port`, one per worker). */
export async function startNullProxies(origins: string[]): Promise<{ ports: NullProxyPorts; close: () => Promise<void> }> {
  const clients = origins.map((o) => new Client(o, { pipelining: 1, keepAliveTimeout: 4000 }));
  const httpServer = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const slash = url.indexOf('/', 1);
    const client = clients[Number(url.slice(1, slash))];
    if (slash === -1 || client === undefined) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(client, url.slice(slash), req.headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), res));
  });
  httpServer.keepAliveTimeout = 60_000;
  const sockets = new Set<net.Socket>();
  const relays = origins.map((o) => {
    const { hostname, port } = new URL(o);
    return net.createServer({ noDelay: true }, (down) => {
      const up = net.connect({ host: hostname, port: Number(port), noDelay: true });
      sockets.add(down).add(up);
      const drop = (): void => { down.destroy(); up.destroy(); sockets.delete(down); sockets.delete(up); };
      down.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
      down.pipe(up);
      up.pipe(down);
    });
  });
  const ports: NullProxyPorts = { http: await listen(httpServer), tcp: await Promise.all(relays.map(listen)) };
  return {
    ports,
    close: async () => {
      for (const s of sockets) s.destroy();
      httpServer.closeAllConnections();
      await Promise.all([httpServer, ...relays].map((s) => new Promise((resolve) => s.close(resolve))));
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

/** Child role: see the module comment. */
export function nullProxyChild(): void {
  process.once('message', (msg: { origins: string[] }) => {
    void startNullProxies(msg.origins).then(({ ports, close }) => {
      let stopping: Promise<void> | undefined;
      const stop = (): Promise<void> => (stopping ??= close().finally(() => process.exit(0)));
      process.on('message', (m) => {
        if (m === 'stop') void stop();
        if (m === 'cpu') { const c = process.cpuUsage(); process.send?.({ cpuUs: c.user + c.system }); }
      });
      process.on('disconnect', () => void stop());
      process.send?.({ ports });
    }, (err: unknown) => { console.error(err); process.exit(1); });
  });
}
