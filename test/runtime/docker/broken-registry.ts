/**
 * A tiny fake registry on 127.0.0.1 for pull-failure tests: it serves a valid schema-2
 * manifest and config, but the layer blob's bytes do not match its digest (so dockerd fails
 * the pull INSIDE the progress stream), or a manifest that is not JSON.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface BrokenRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  /** Requests seen, for assertions. */
  requests: string[];
  close(): Promise<void>;
}

/** Starts the fake registry. Repository `bad/layer` has a corrupt layer; `bad/manifest` a garbage manifest. */
export async function startBrokenRegistry(): Promise<BrokenRegistry> {
  const layer = Buffer.alloc(4096, 7);
  const corrupt = Buffer.alloc(4096, 8);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: sha(layer) }],
  }));
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = req.url ?? '';
    const send = (status: number, body: Buffer, type: string, digest?: string): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'docker-distribution-api-version': 'registry/2.0', ...(digest ? { 'docker-content-digest': digest } : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url === '/v2/' || url === '/v2') return send(200, Buffer.from('{}'), 'application/json');
    if (url.startsWith('/v2/bad/layer/manifests/')) return send(200, manifest, 'application/vnd.docker.distribution.manifest.v2+json', sha(manifest));
    if (url.startsWith('/v2/bad/manifest/manifests/')) return send(200, Buffer.from('this is not a manifest'), 'application/vnd.docker.distribution.manifest.v2+json');
    if (url.endsWith(`/blobs/${sha(config)}`)) return send(200, config, 'application/octet-stream');
    if (url.endsWith(`/blobs/${sha(layer)}`)) return send(200, corrupt, 'application/octet-stream');
    send(404, Buffer.from(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] })), 'application/json');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
