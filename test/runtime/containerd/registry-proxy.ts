/** A loopback HTTP proxy in front of the test registry that counts requests and can corrupt blobs. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegistryProxy {
  host: string;
  counts: Map<string, number>;
  /** Requests whose path matches, e.g. `/blobs/`. */
  count(pathPart: string, method?: string): number;
  /** Flip a byte of every blob body whose digest is in the set. */
  corrupt: Set<string>;
  close(): Promise<void>;
}

export async function startRegistryProxy(upstream = { host: '127.0.0.1', port: 5000 }): Promise<RegistryProxy> {
  const counts = new Map<string, number>();
  const corrupt = new Set<string>();
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const up = http.request({ ...upstream, path: req.url, method: req.method, headers: { ...req.headers, host: `${upstream.host}:${upstream.port}` } }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      const digest = /\/blobs\/(sha256:[a-f0-9]{64})/.exec(req.url ?? '')?.[1];
      if (digest && corrupt.has(digest)) {
        let first = true;
        ur.on('data', (chunk: Buffer) => {
          if (first && chunk.length > 0) {
            chunk[0] = chunk[0]! ^ 0xff;
            first = false;
          }
          res.write(chunk);
        });
        ur.on('end', () => res.end());
      } else ur.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    counts,
    corrupt,
    count: (part, method) => [...counts].filter(([k]) => k.includes(part) && (!method || k.startsWith(`${method} `))).reduce((a, [, n]) => a + n, 0),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
