import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../../../src/runtime/images/reference.js';
import { RegistryClient } from '../../../src/runtime/images/registry-client.js';

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

/** A loopback registry: bearer auth on repo `private/*` (token for user a:b only), 429 once on `flaky/*`. */
let server: http.Server;
let host = '';
const seen: string[] = [];
let flakyCount = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    seen.push(`${url} ${req.headers.authorization ?? '-'}`);
    if (url.startsWith('/token')) {
      const ok = req.headers.authorization === `Basic ${Buffer.from('a:b').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      return void res.end(ok ? JSON.stringify({ token: 'T1', expires_in: 300 }) : '{}');
    }
    if (url.startsWith('/v2/private/') && req.headers.authorization !== 'Bearer T1') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="test",scope="repository:private/x:pull"` });
      return void res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    }
    if (url.startsWith('/v2/flaky/') && flakyCount++ === 0) return void res.writeHead(429, { 'retry-after': '0' }).end();
    if (url.endsWith('/manifests/latest')) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': digest });
      return void res.end(manifest);
    }
    if (url.endsWith('/manifests/lying')) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': `sha256:${'0'.repeat(64)}` });
      return void res.end(manifest);
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('RegistryClient', () => {
  it('goes from a 401 bearer challenge to a token fetched with basic credentials, then the manifest', async () => {
    const c = new RegistryClient({ retry, credentials: { [host]: { username: 'a', password: 'b' } } });
    const m = await c.getManifest(parseReference(`${host}/private/x`), 'latest', {});
    expect(m).toMatchObject({ digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    expect(seen.some((s) => s.startsWith('/token?service=test&scope=repository%3Aprivate%2Fx%3Apull Basic '))).toBe(true);
    await c.getManifest(parseReference(`${host}/private/x`), 'latest', {});
    expect(seen.filter((s) => s.startsWith('/token')).length).toBe(1); // token cached
    await c.close();
  });
  it('fails with PERMISSION_DENIED naming the registry when the token endpoint refuses', async () => {
    const c = new RegistryClient({ retry });
    await expect(c.getManifest(parseReference(`${host}/private/x`), 'latest', {})).rejects.toMatchObject({
      code: 'PERMISSION_DENIED', message: expect.stringMatching(new RegExp(`registry ${host} refused access .*no credentials configured`)) });
    await c.close();
  });
  it('retries a 429 and succeeds', async () => {
    const c = new RegistryClient({ retry });
    expect((await c.getManifest(parseReference(`${host}/flaky/x`), 'latest', {})).digest).toBe(digest);
    await c.close();
  });
  it('fails with NOT_FOUND naming the reference and registry for an unknown tag', async () => {
    const c = new RegistryClient({ retry });
    await expect(c.getManifest(parseReference(`${host}/a/b:nope`), 'nope', {})).rejects.toMatchObject({
      code: 'NOT_FOUND', message: expect.stringContaining(`image "${host}/a/b:nope" not found in registry ${host}`) });
    await c.close();
  });
  it('rejects a manifest whose bytes do not match Docker-Content-Digest', async () => {
    const c = new RegistryClient({ retry });
    await expect(c.getManifest(parseReference(`${host}/a/b:lying`), 'lying', {})).rejects.toThrow(/digest mismatch for manifest lying/);
    await c.close();
  });
  it('fails with UNAVAILABLE after its retries when nothing listens', async () => {
    const c = new RegistryClient({ retry });
    await expect(c.getManifest(parseReference('127.0.0.1:9/a/b'), 'latest', {})).rejects.toMatchObject({
      code: 'UNAVAILABLE', message: expect.stringMatching(/registry 127.0.0.1:9 is unreachable .*ECONNREFUSED after 3 attempts/) });
    await c.close();
  });
});
