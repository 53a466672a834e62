/**
 * A small OCI distribution client on undici: manifest resolve (HEAD, then GET when the digest
 * header is missing), manifest and blob fetches, anonymous bearer-token and basic auth, plain
 * HTTP for insecure or loopback registries, HTTPS with an extra CA otherwise, per-request
 * timeouts and bounded retries of transient failures.
 */
import { createHash } from 'node:crypto';
import { Agent, type Dispatcher, fetch, type Response } from 'undici';
import { AgentError } from '../../../errors.js';
import { isLoopbackHost, type RegistryRef } from './registry-ref.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  '*/*',
].join(', ');

export interface RegistryClientOptions {
  /** `CONTAINER_REGISTRY_INSECURE`: plain HTTP to every registry. */
  insecure?: boolean | undefined;
  /** Extra CA (PEM) for HTTPS registries. */
  ca?: string | undefined;
  /** Basic credentials per registry host. */
  credentials?: Readonly<Record<string, { username: string; password: string }>> | undefined;
  /** Per-request timeout (headers and each body chunk). @default 30000 */
  timeoutMs?: number | undefined;
  /** Attempts for transient failures. @default 3 */
  attempts?: number | undefined;
  userAgent?: string | undefined;
}

export interface RemoteDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export class RegistryClient {
  private readonly dispatcher: Dispatcher;
  private readonly tokens = new Map<string, string>();
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.attempts = opts.attempts ?? 3;
    this.dispatcher = new Agent({
      connect: opts.ca ? { ca: opts.ca } : {},
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connections: 16,
    });
  }

  /** Resolves the ref to its root descriptor (and the manifest bytes when they had to be fetched). */
  async resolve(ref: RegistryRef, signal?: AbortSignal): Promise<{ desc: RemoteDescriptor; body?: Buffer }> {
    const path = `/v2/${ref.repository}/manifests/${ref.reference}`;
    const head = await this.request(ref, 'HEAD', path, { accept: MANIFEST_ACCEPT }, signal);
    const digest = head.headers.get('docker-content-digest');
    const mediaType = (head.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (digest && mediaType && !ref.isDigest) {
      return { desc: { mediaType, digest, size: Number(head.headers.get('content-length') ?? 0) } };
    }
    const body = await this.manifest(ref, ref.reference, MANIFEST_ACCEPT, signal);
    const got = `sha256:${createHash('sha256').update(body.bytes).digest('hex')}`;
    if (ref.isDigest && got !== ref.reference) throw digestError(ref, ref.reference, got);
    return { desc: { mediaType: body.mediaType || mediaType, digest: got, size: body.bytes.length }, body: body.bytes };
  }

  /** GETs a manifest by tag or digest; a digest is verified. Throws AgentError. */
  async manifest(ref: RegistryRef, reference: string, accept: string, signal?: AbortSignal): Promise<{ bytes: Buffer; mediaType: string }> {
    const res = await this.request(ref, 'GET', `/v2/${ref.repository}/manifests/${reference}`, { accept }, signal);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > 4 * 1048 * 1048) throw new AgentError('INVALID_ARGUMENT', `manifest ${reference} of ${ref.name} is too large`, { step: 'pullImage' });
    if (reference.startsWith('sha256:')) {
      const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (got !== reference) throw digestError(ref, reference, got);
    }
    return { bytes, mediaType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim() };
  }

  /** GETs a blob; the caller streams and verifies the body. Throws AgentError. */
  async blob(ref: RegistryRef, digest: string, signal?: AbortSignal): Promise<Response> {
    return this.request(ref, 'GET', `/v2/${ref.repository}/blobs/${digest}`, {}, signal);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private scheme(ref: RegistryRef): string {
    return this.opts.insecure || isLoopbackHost(ref.host) ? 'http' : 'https';
  }

  /** One request with auth challenge handling and retries of transient failures. */
  private async request(ref: RegistryRef, method: string, path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const url = `${this.scheme(ref)}://${ref.host}${path}`;
    let lastErr: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        let res = await this.send(url, method, ref, headers, signal);
        if (res.status === 401) {
          await res.body?.cancel().catch(() => undefined);
          await this.authenticate(ref, res.headers.get('www-authenticate') ?? '', signal);
          res = await this.send(url, method, ref, headers, signal);
        }
        if (res.ok) return res;
        await res.body?.cancel().catch(() => undefined);
        const err = httpError(ref, path, res.status);
        if (res.status < 500 && res.status !== 429) throw err;
        lastErr = err;
      } catch (err) {
        if (err instanceof AgentError && err.code !== 'UNAVAILABLE') throw err;
        if (signal?.aborted) throw new AgentError('CANCELLED', `pull of ${ref.name} cancelled`, { cause: err, step: 'pullImage' });
        lastErr = err;
      }
      if (attempt < this.attempts) await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
    }
    if (lastErr instanceof AgentError) throw lastErr;
    throw new AgentError('UNAVAILABLE', `registry ${ref.host} unreachable for ${ref.name}: ${(lastErr as Error)?.message ?? lastErr}`, { cause: lastErr, step: 'pullImage' });
  }

  private send(url: string, method: string, ref: RegistryRef, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const h: Record<string, string> = { 'user-agent': this.opts.userAgent ?? 'esb-agent', ...headers };
    const token = this.tokens.get(ref.host + ref.repository);
    const cred = this.opts.credentials?.[ref.domain] ?? this.opts.credentials?.[ref.host];
    if (token) h['authorization'] = token;
    else if (cred) h['authorization'] = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    return fetch(url, { method, headers: h, dispatcher: this.dispatcher, signal, redirect: 'follow' });
  }

  /** Handles a 401 challenge: Bearer (token endpoint, Basic creds when configured) or Basic. */
  private async authenticate(ref: RegistryRef, challenge: string, signal?: AbortSignal): Promise<void> {
    const cred = this.opts.credentials?.[ref.domain] ?? this.opts.credentials?.[ref.host];
    if (/^basic/i.test(challenge)) {
      if (!cred) throw new AgentError('PERMISSION_DENIED', `registry ${ref.host} requires credentials for ${ref.name}`, { step: 'pullImage' });
      this.tokens.set(ref.host + ref.repository, `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`);
      return;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    if (!params['realm']) throw new AgentError('PERMISSION_DENIED', `registry ${ref.host} refused ${ref.name} (no usable auth challenge)`, { step: 'pullImage' });
    const u = new URL(params['realm']);
    if (params['service']) u.searchParams.set('service', params['service']);
    u.searchParams.set('scope', params['scope'] ?? `repository:${ref.repository}:pull`);
    const headers: Record<string, string> = {};
    if (cred) headers['authorization'] = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    const res = await fetch(u, { headers, dispatcher: this.dispatcher, signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new AgentError('PERMISSION_DENIED', `registry ${ref.host} token request for ${ref.name} failed with HTTP ${res.status}`, { step: 'pullImage' });
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new AgentError('PERMISSION_DENIED', `registry ${ref.host} gave no token for ${ref.name}`, { step: 'pullImage' });
    this.tokens.set(ref.host + ref.repository, `Bearer ${token}`);
  }
}

function httpError(ref: RegistryRef, path: string, status: number): AgentError {
  const what = path.includes('/manifests/') ? `manifest ${ref.repository}:${path.split('/manifests/')[1]}` : `blob ${path.split('/blobs/')[1]}`;
  if (status === 404) return new AgentError('NOT_FOUND', `${what} not found in registry ${ref.host} (image "${ref.name}")`, { step: 'pullImage' });
  if (status === 401 || status === 403) return new AgentError('PERMISSION_DENIED', `registry ${ref.host} denied ${what} (HTTP ${status})`, { step: 'pullImage' });
  if (status === 429 || status >= 500) return new AgentError('UNAVAILABLE', `registry ${ref.host} answered HTTP ${status} for ${what}`, { step: 'pullImage' });
  return new AgentError('INTERNAL', `registry ${ref.host} answered HTTP ${status} for ${what}`, { step: 'pullImage' });
}

/** A digest mismatch between what was asked and what came. */
export function digestError(ref: RegistryRef, expected: string, got: string): AgentError {
  return new AgentError('INTERNAL', `digest mismatch for ${expected} of "${ref.name}" from ${ref.host}: received ${got}`, { step: 'pullImage' });
}
