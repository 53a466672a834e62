import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../../src/runtime/containerd/pull/registry-client.js';
import { isLoopbackHost, parseRegistryRef } from '../../../../src/runtime/containerd/pull/registry-ref.js';

describe('parseRegistryRef', () => {
  it('goes from short and full references to host, repository and tag or digest', () => {
    expect(parseRegistryRef('busybox')).toMatchObject({ name: 'docker.io/library/busybox:latest', host: 'registry-1.docker.io', repository: 'library/busybox', reference: 'latest', isDigest: false });
    expect(parseRegistryRef('127.0.0.1:5000/esb/echo:v1')).toMatchObject({ domain: '127.0.0.1:5000', host: '127.0.0.1:5000', repository: 'esb/echo', reference: 'v1' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseRegistryRef(`localhost:5000/x@${d}`)).toMatchObject({ repository: 'x', reference: d, isDigest: true });
    expect(() => parseRegistryRef('Bad/UPPER:x')).toThrow(/invalid repository/);
    expect(isLoopbackHost('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('registry.example.com:443')).toBe(false);
  });
});

describe('RegistryClient against a fake registry', () => {
  let server: http.Server;
  let host: string;
  const seen: string[] = [];
  let flaky = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ token: 'T0K' }));
      }
      if (req.url?.startsWith('/v2/private/') && req.headers.authorization !== 'Bearer T0K') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:private:pull"` });
        return res.end();
      }
      if (req.url === '/v2/flaky/manifests/latest' && flaky++ < 2) {
        res.writeHead(503);
        return res.end();
      }
      if (req.url?.includes('/manifests/latest')) {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': `sha256:${'b'.repeat(64)}`, 'content-length': '2' });
        return res.end(req.method === 'HEAD' ? undefined : '{}');
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  it('goes from a 401 bearer challenge to a token and the retried request', async () => {
    const c = new RegistryClient({ timeoutMs: 2000 });
    const r = await c.resolve(parseRegistryRef(`${host}/private:latest`));
    expect(r.desc).toEqual({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'b'.repeat(64)}`, size: 2 });
    expect(seen.filter((s) => s.includes('/private/')).map((s) => s.split(' ').slice(0, 1).concat(s.split(' ').slice(2)).join(' '))).toEqual(['HEAD -', 'HEAD Bearer T0K']);
    expect(seen.some((s) => s.startsWith('GET /token?service=fake&scope=repository%3Aprivate%3Apull'))).toBe(true);
    await c.close();
  });

  it('retries 503 and maps 404 to NOT_FOUND naming the manifest and registry', async () => {
    const c = new RegistryClient({ timeoutMs: 2000 });
    expect((await c.resolve(parseRegistryRef(`${host}/flaky:latest`))).desc.digest).toMatch(/^sha256:b/);
    await expect(c.resolve(parseRegistryRef(`${host}/nothing:v9`))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `manifest nothing:v9 not found in registry ${host} (image "${host}/nothing:v9")`,
    });
    await c.close();
  });

  it('says a registry that does not listen is unreachable', async () => {
    const c = new RegistryClient({ timeoutMs: 1000, attempts: 2 });
    await expect(c.resolve(parseRegistryRef('127.0.0.1:1/x:latest'))).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('unreachable') });
    await c.close();
  });
});
