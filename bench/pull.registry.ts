/**
 * The pull bench's own registry on 127.0.0.1: serves unique images made from the echo image's
 * layer (a small gzip member with a random file, then the echo layer's own gzip bytes: a
 * multi-member gzip of one valid tar), streamed from the echo tar on disk without copying.
 * Unique digests matter: containerd shares blobs across namespaces, so re-pulling the echo
 * image itself would commit without downloading whenever any namespace holds it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip, gzipSync } from 'node:zlib';
import { readTarIndex } from '../src/runtime/images/tar-reader.js';

interface Blob { prefix: Buffer; file?: { path: string; start: number; length: number } }
export interface BenchImage { ref: string; layerBytes: number }

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function tarEntry(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136); h.write('        ', 148); h.write('0', 156); h.write('ustar\0', 257); h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

export class BenchRegistry {
  private readonly blobs = new Map<string, Blob>();
  private readonly manifests = new Map<string, Buffer>();
  private server: http.Server | undefined;
  host = '';
  private echo: { path: string; start: number; length: number } | undefined;

  constructor(private readonly echoTar: string) {}

  async start(): Promise<void> {
    const entries = await readTarIndex(this.echoTar);
    const index = entries.find((e) => e.name === 'manifest.json');
    if (!index) throw new Error('echo tar has no manifest.json');
    const layer = entries.filter((e) => e.type === 'file' && e.name.startsWith('blobs/')).sort((a, b) => b.size - a.size)[0]!;
    this.echo = { path: this.echoTar, start: layer.offset, length: layer.size };
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A new unique image `bench/<name>:latest` (hashes the echo layer once more). */
  async addImage(name: string): Promise<BenchImage> {
    const prefixTar = tarEntry(`bench-${randomBytes(8).toString('hex')}.txt`, randomBytes(64));
    const prefix = gzipSync(prefixTar);
    const echo = this.echo!;
    const layerHash = createHash('sha256').update(prefix);
    const diff = createHash('sha256').update(prefixTar);
    for await (const c of createReadStream(echo.path, { start: echo.start, end: echo.start + echo.length - 1 })) layerHash.update(c as Buffer);
    for await (const c of createReadStream(echo.path, { start: echo.start, end: echo.start + echo.length - 1 }).pipe(createGunzip())) diff.update(c as Buffer);
    const layerDigest = `sha256:${layerHash.digest('hex')}`;
    const size = prefix.length + echo.length;
    this.blobs.set(layerDigest, { prefix, file: echo });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/usr/bin/node', '/app/server.js'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${diff.digest('hex')}`] } }));
    this.blobs.set(sha(config), { prefix: config });
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size }] }));
    this.manifests.set(`bench/${name}:latest`, manifest);
    return { ref: `${this.host}/bench/${name}:latest`, layerBytes: size };
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    if (url === '/v2/' || url === '/v2') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url);
    if (m) {
      const body = this.manifests.get(`${m[1]}:${m[2]}`) ?? [...this.manifests.values()].find((b) => sha(b) === m[2]);
      if (!body) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha(body), 'content-length': body.length });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    const b = /^\/v2\/.+\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url);
    const blob = b ? this.blobs.get(b[1]!) : undefined;
    if (!blob) return void res.writeHead(404).end();
    const size = blob.prefix.length + (blob.file?.length ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'docker-content-digest': b![1] });
    if (req.method === 'HEAD') return void res.end();
    res.write(blob.prefix);
    if (!blob.file) return void res.end();
    createReadStream(blob.file.path, { start: blob.file.start, end: blob.file.start + blob.file.length - 1, highWaterMark: 1 << 20 }).pipe(res);
  }
}
