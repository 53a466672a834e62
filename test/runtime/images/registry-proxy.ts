/**
 * A test proxy on 127.0.0.1 in front of the local registry: counts requests by kind
 * (manifest / blob digest), can serve corrupted bytes for one blob, and serves synthetic
 * images of its own under `synthetic/<name>` (unique blobs no namespace holds yet).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SyntheticImage } from './synthetic-image.js';

export interface RegistryProxy {
  /** `127.0.0.1:<port>`: use it as the registry of the reference. */
  host: string;
  /** Every request path seen, in order. */
  readonly paths: string[];
  manifestRequests(): number;
  blobRequests(digest?: string): number;
  /** From now on, flip one byte in the middle of this blob's body. */
  corrupt(digest: string): void;
  /** Serves `image` as `<host>/synthetic/<name>:<tag>` for each tag; returns the first reference. */
  serve(name: string, tags: string[], image: SyntheticImage): string;
  close(): Promise<void>;
}

/** Starts the proxy in front of `upstream` (default the test bed registry). */
export async function startRegistryProxy(upstream = { host: '127.0.0.1', port: 5000 }): Promise<RegistryProxy> {
  const paths: string[] = [];
  const corrupted = new Set<string>();
  const synthetic = new Map<string, { tags: string[]; image: SyntheticImage }>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    paths.push(path);
    const digest = /\/blobs\/(sha256:[a-f0-9]{64})/.exec(path)?.[1];
    const synth = /^\/v2\/synthetic\/([^/]+)\/(manifests|blobs)\/(.+)$/.exec(path);
    if (synth) return serveSynthetic(synthetic.get(synth[1]!), synth[2]!, synth[3]!, corrupted, res);
    const up = http.request({ ...upstream, path, method: req.method, headers: { ...req.headers, host: `${upstream.host}:${upstream.port}` } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (!digest || !corrupted.has(digest)) return void upRes.pipe(res);
      let seen = 0;
      let flipped = false;
      upRes.on('data', (chunk: Buffer) => {
        if (!flipped && seen + chunk.length > 4096) {
          const c = Buffer.from(chunk);
          const at = Math.max(0, 4096 - seen);
          c[at] = c[at]! ^ 0xff;
          flipped = true;
          res.write(c);
        } else res.write(chunk);
        seen += chunk.length;
      });
      upRes.on('end', () => res.end());
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    paths,
    manifestRequests: () => paths.filter((p) => p.includes('/manifests/')).length,
    blobRequests: (d) => paths.filter((p) => p.includes('/blobs/') && (!d || p.includes(d))).length,
    corrupt: (d) => void corrupted.add(d),
    serve(name, tags, image) {
      synthetic.set(name, { tags, image });
      return `127.0.0.1:${port}/synthetic/${name}:${tags[0]}`;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function serveSynthetic(s: { tags: string[]; image: SyntheticImage } | undefined, kind: string, ref: string, corrupted: Set<string>, res: http.ServerResponse): void {
  if (s && kind === 'manifests' && (s.tags.includes(ref) || ref === s.image.manifestDigest)) {
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': s.image.manifestDigest, 'content-length': s.image.manifest.length });
    return void res.end(s.image.manifest);
  }
  const blob = kind === 'blobs' ? s?.image.blobs.get(ref) : undefined;
  if (!blob) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ errors: [{ code: kind === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', message: 'unknown' }] }));
  }
  const body = corrupted.has(ref) ? Buffer.from(blob) : blob;
  if (body !== blob) body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
}
