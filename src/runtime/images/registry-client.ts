/**
 * OCI distribution client (pull side): manifests and blobs over undici with the anonymous or
 * basic-credential bearer-token flow, basic auth, bounded retries with backoff on transient
 * failures (connect errors, timeouts, 5xx, 429), all under the caller's AbortSignal.
 * Errors are the clear AgentErrors of pull-errors.ts.
 */
import { request, type Dispatcher } from 'undici';
import { AgentError } from '../../errors.js';
import { parseAuthChallenges, tokenUrl } from './auth-challenge.js';
import { basicAuthHeader, createCredentialLookup, type CredentialLookup, type RegistryCredential } from './credentials.js';
import { sha256Digest, digestMismatch } from './digest-verifier.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { authFailed, imageNotFound, registryError, registryUnavailable } from './pull-errors.js';
import type { ImageReference } from './reference.js';
import { DEFAULT_RETRY, isTransientNetworkError, isTransientStatus, type RetryPolicy, withRetry } from './retry.js';
import { createDispatcher, schemeFor, type TransportOptions } from './transport.js';

export interface RegistryClientOptions extends TransportOptions {
  /** A lookup, or a table `{host: {username, password}}` (see credentials.ts). */
  credentials?: CredentialLookup | Readonly<Record<string, RegistryCredential>> | undefined;
  retry?: RetryPolicy | undefined;
  userAgent?: string | undefined;
  /** Largest manifest accepted. @default 4 MiB */
  maxManifestBytes?: number | undefined;
  /** Test hook: replaces the undici dispatcher. */
  dispatcher?: Dispatcher | undefined;
  /** Called before every HTTP request (logs, metrics). */
  onRequest?: ((info: { method: string; url: string }) => void) | undefined;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface BlobBody {
  /** Bytes from `offset` to the end. */
  body: AsyncIterable<Buffer>;
  /** Where the body starts (0 when the registry ignored the Range request). */
  offset: number;
  /** Stops the download. */
  destroy(): void;
}

class TransientHttp extends Error {
  constructor(readonly status: number, readonly retryAfterMs: number | undefined) {
    super(`HTTP ${status}`);
  }
}

interface Ctx { ref: ImageReference; signal?: AbortSignal | undefined }

/** One client per agent; it keeps a connection pool and bearer tokens per repository. */
export class RegistryClient {
  private readonly dispatcher: Dispatcher;
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();
  private readonly retry: RetryPolicy;
  private readonly credentials: CredentialLookup | undefined;

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.dispatcher = opts.dispatcher ?? createDispatcher(opts);
    this.retry = opts.retry ?? DEFAULT_RETRY;
    const c = opts.credentials;
    this.credentials = typeof c === 'function' ? c : c ? createCredentialLookup({ credentials: { ...c } }) : undefined;
  }

  /** Base URL of the registry of `ref` (`http://127.0.0.1:5000`). Pure. */
  baseUrl(ref: ImageReference): string {
    return `${schemeFor(ref.host, this.opts.insecure ?? false)}://${ref.host}`;
  }

  /**
   * GETs the manifest (or index) `reference` (tag or digest) of `ref`, verifying its digest
   * against `expectDigest` or the Docker-Content-Digest header. Throws NOT_FOUND naming the
   * reference and registry, PERMISSION_DENIED, UNAVAILABLE, or a digest mismatch.
   */
  async getManifest(ref: ImageReference, reference: string, ctx: { signal?: AbortSignal | undefined; expectDigest?: string | undefined; accept?: string | undefined }): Promise<FetchedManifest> {
    const url = `${this.baseUrl(ref)}/v2/${ref.repository}/manifests/${reference}`;
    const res = await this.send({ ref, signal: ctx.signal }, url, { accept: ctx.accept ?? MANIFEST_ACCEPT });
    const limit = this.opts.maxManifestBytes ?? 4 * 1024 * 1024;
    const bytes = await readLimited(res.body, limit, () => registryError(ref.name, ref.domain, `manifest larger than ${limit} bytes`));
    const digest = sha256Digest(bytes);
    const header = headerOf(res.headers, 'docker-content-digest');
    const expected = ctx.expectDigest ?? (header?.startsWith('sha256:') ? header : undefined);
    if (expected && expected !== digest) throw digestMismatch(`manifest ${reference} of "${ref.name}"`, expected, digest);
    const mediaType = (headerOf(res.headers, 'content-type') ?? '').split(';')[0]!.trim();
    return { bytes, mediaType, digest };
  }

  /** Opens blob `digest` from `offset` (Range request when > 0). The caller verifies the bytes. */
  async openBlob(ref: ImageReference, digest: string, ctx: { signal?: AbortSignal | undefined; offset?: number | undefined }): Promise<BlobBody> {
    const url = `${this.baseUrl(ref)}/v2/${ref.repository}/blobs/${digest}`;
    const offset = ctx.offset ?? 0;
    const res = await this.send({ ref, signal: ctx.signal }, url, offset > 0 ? { range: `bytes=${offset}-` } : {}, `blob ${digest}`);
    const body = res.body as unknown as AsyncIterable<Buffer> & { destroy(): void };
    return { body, offset: res.statusCode === 206 ? offset : 0, destroy: () => body.destroy() };
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    if (!this.opts.dispatcher) await this.dispatcher.close();
  }

  /** GET with auth, retries and error mapping; resolves only on 200/206. */
  private async send(c: Ctx, url: string, headers: Record<string, string>, what?: string): Promise<Dispatcher.ResponseData> {
    try {
      return await withRetry(() => this.attempt(c, url, headers, what), {
        policy: this.retry,
        signal: c.signal,
        shouldRetry: (err) => err instanceof TransientHttp || isTransientNetworkError(err),
        delayHint: (err) => (err instanceof TransientHttp ? err.retryAfterMs : undefined),
      });
    } catch (err) {
      throw this.mapFailure(c, err);
    }
  }

  private async attempt(c: Ctx, url: string, headers: Record<string, string>, what?: string): Promise<Dispatcher.ResponseData> {
    const scopeKey = `${c.ref.host}/${c.ref.repository}`;
    let auth = this.cachedAuth(scopeKey, c.ref);
    for (let round = 0; ; round++) {
      const res = await this.get(url, { ...headers, ...(auth ? { authorization: auth } : {}) }, c.signal);
      if (res.statusCode === 200 || res.statusCode === 206) return res;
      const text = await readText(res.body);
      if (res.statusCode === 401 && round === 0) {
        auth = await this.authorize(c, scopeKey, headerOf(res.headers, 'www-authenticate'), text);
        continue;
      }
      throw this.statusError(c, res.statusCode, text, headerOf(res.headers, 'retry-after'), what);
    }
  }

  private get(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    this.opts.onRequest?.({ method: 'GET', url });
    return request(url, {
      method: 'GET',
      headers: { 'user-agent': this.opts.userAgent ?? 'esb-agent', ...headers },
      dispatcher: this.dispatcher,
      signal,
    });
  }

  /** Answers a 401 challenge: a bearer token (anonymous or with credentials) or basic auth. */
  private async authorize(c: Ctx, scopeKey: string, header: string | undefined, body: string): Promise<string> {
    const cred = this.credentials?.(c.ref.domain);
    const challenges = parseAuthChallenges(header);
    const bearer = challenges.find((x) => x.scheme === 'bearer');
    if (bearer) {
      const url = tokenUrl(bearer, c.ref.repository);
      if (!url) throw authFailed(c.ref.name, c.ref.domain, 'bearer challenge without a realm');
      const res = await this.get(url.toString(), cred ? { authorization: basicAuthHeader(cred) } : {}, c.signal);
      const text = await readText(res.body);
      if (res.statusCode !== 200) throw authFailed(c.ref.name, c.ref.domain, `token endpoint ${url.host} answered ${res.statusCode}${cred ? '' : ' (no credentials configured)'}`);
      let json: { token?: string; access_token?: string; expires_in?: number };
      try { json = JSON.parse(text) as typeof json; } catch { throw authFailed(c.ref.name, c.ref.domain, 'token endpoint returned no JSON'); }
      const token = json.token ?? json.access_token;
      if (!token) throw authFailed(c.ref.name, c.ref.domain, 'token endpoint returned no token');
      const value = `Bearer ${token}`;
      this.tokens.set(scopeKey, { value, expiresAt: Date.now() + Math.max(30, (json.expires_in ?? 60) - 10) * 1000 });
      return value;
    }
    if (challenges.some((x) => x.scheme === 'basic') && cred) return basicAuthHeader(cred);
    throw authFailed(c.ref.name, c.ref.domain, `authentication required${cred ? '' : ' and no credentials are configured'}${body ? `: ${brief(body)}` : ''}`);
  }

  private cachedAuth(scopeKey: string, ref: ImageReference): string | undefined {
    const t = this.tokens.get(scopeKey);
    if (t && t.expiresAt > Date.now()) return t.value;
    const cred = this.credentials?.(ref.domain);
    return cred ? basicAuthHeader(cred) : undefined;
  }

  private statusError(c: Ctx, status: number, body: string, retryAfter: string | undefined, what?: string): Error {
    if (isTransientStatus(status)) return new TransientHttp(status, parseRetryAfter(retryAfter));
    if (status === 404) return imageNotFound(c.ref.name, c.ref.domain, what ? `${what}: ${brief(body)}` : brief(body));
    if (status === 401 || status === 403) return authFailed(c.ref.name, c.ref.domain, `HTTP ${status} ${brief(body)}`);
    return registryError(c.ref.name, c.ref.domain, `HTTP ${status}${what ? ` for ${what}` : ''}: ${brief(body)}`);
  }

  private mapFailure(c: Ctx, err: unknown): Error {
    if (err instanceof AgentError) return err;
    if (c.signal?.aborted) {
      return new AgentError('CANCELLED', `pull of "${c.ref.name}" cancelled`, { cause: c.signal.reason, step: 'pullImage' });
    }
    if (err instanceof TransientHttp) return registryUnavailable(c.ref.name, c.ref.domain, `HTTP ${err.status} after ${this.retry.attempts} attempts`);
    const code = (err as { code?: string }).code ?? '';
    const msg = err instanceof Error ? err.message : String(err);
    if (isTransientNetworkError(err)) return registryUnavailable(c.ref.name, c.ref.domain, `${code || msg} after ${this.retry.attempts} attempts`, err);
    if (/CERT|SSL|TLS|self.signed|certificate/i.test(`${code} ${msg}`)) return registryUnavailable(c.ref.name, c.ref.domain, `TLS error: ${msg}`, err);
    return registryUnavailable(c.ref.name, c.ref.domain, msg, err);
  }
}

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Pure. Retry-After seconds (or HTTP date) in ms. */
export function parseRetryAfter(v: string | undefined): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function brief(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

async function readText(body: Dispatcher.ResponseData['body']): Promise<string> {
  try {
    return (await readLimited(body, 64 * 1024, () => new Error('too long'))).toString('utf8');
  } catch {
    return '';
  }
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number, tooBig: () => Error): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) {
      body.destroy();
      throw tooBig();
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
