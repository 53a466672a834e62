/**
 * Server-Sent Events fan-out for the live page. Each client gets `event: <name>` frames; a
 * client that stops reading (more than `maxBufferedBytes` queued) is dropped rather than let
 * the agent's memory grow. A comment heartbeat keeps proxies from closing idle streams.
 */
import type { ServerResponse } from 'node:http';

export interface EventStream {
  /** Takes over `res` as an SSE stream; `first` frames are written before any broadcast. */
  add(res: ServerResponse, first?: readonly { event: string; data: unknown }[]): void;
  broadcast(event: string, data: unknown): void;
  readonly clients: number;
  /** Ends every stream and stops the heartbeat. */
  close(): void;
}

export interface EventStreamOptions {
  /** @default 15000 */
  heartbeatMs?: number | undefined;
  /** @default 4 MiB */
  maxBufferedBytes?: number | undefined;
  /** Called when the client count changes. */
  onClients?: ((n: number) => void) | undefined;
}

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Creates an empty stream set. The heartbeat timer is unref'd (never keeps the process up). */
export function createEventStream(opts: EventStreamOptions = {}): EventStream {
  const clients = new Set<ServerResponse>();
  const max = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  const changed = (): void => opts.onClients?.(clients.size);
  const drop = (res: ServerResponse): void => {
    if (clients.delete(res)) changed();
    res.destroy();
  };
  const write = (res: ServerResponse, text: string): void => {
    if (res.writableLength > max) drop(res);
    else res.write(text);
  };
  const timer = setInterval(() => { for (const c of clients) write(c, ': keep-alive\n\n'); }, opts.heartbeatMs ?? 15_000);
  timer.unref();
  return {
    add(res, first = []) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 1000\n\n');
      for (const f of first) res.write(frame(f.event, f.data));
      clients.add(res);
      changed();
      res.on('close', () => { if (clients.delete(res)) changed(); });
    },
    broadcast(event, data) {
      if (clients.size === 0) return;
      const text = frame(event, data);
      for (const c of clients) write(c, text);
    },
    get clients() {
      return clients.size;
    },
    close() {
      clearInterval(timer);
      for (const c of [...clients]) { clients.delete(c); c.end(); }
      changed();
    },
  };
}
