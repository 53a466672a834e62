/**
 * A worker stand-in on 127.0.0.1 for invoke unit tests: an HTTP server that counts requests,
 * tracks how many run at once and lets each test decide the answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => unknown;

export interface LocalWorker {
  readonly port: number;
  /** Requests received (counted when their headers arrive). */
  received: number;
  /** Most requests in progress at the same time. */
  maxInFlight: number;
  /** Requests whose connection closed before an answer was finished. */
  aborted: number;
  /** Connections accepted / closed. */
  connections: number;
  closedConnections: number;
  handler: Handler;
  close(): Promise<void>;
}

/** Starts a local worker on 127.0.0.1 (`port` 0 picks a free one). */
export async function startLocalWorker(handler: Handler, port = 0): Promise<LocalWorker> {
  let inFlight = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer();
  const w: LocalWorker = {
    port: 0, received: 0, maxInFlight: 0, aborted: 0, connections: 0, closedConnections: 0, handler,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  server.on('connection', (s) => {
    w.connections++;
    sockets.add(s);
    s.on('close', () => { w.closedConnections++; sockets.delete(s); });
  });
  server.on('request', (req, res) => {
    w.received++;
    inFlight++;
    w.maxInFlight = Math.max(w.maxInFlight, inFlight);
    res.on('close', () => {
      inFlight--;
      if (!res.writableFinished) w.aborted++;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void w.handler(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  (w as { port: number }).port = (server.address() as AddressInfo).port;
  return w;
}

/** A free loopback port (nothing listens on it when this resolves). */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls `cond` every 5 ms until it holds or `timeoutMs` passes (then throws). */
export async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
