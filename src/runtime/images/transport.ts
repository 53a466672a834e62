/**
 * HTTP transport for registries on undici: scheme choice (plain HTTP for insecure mode and
 * loopback hosts, HTTPS otherwise), the CA of contract §2.2, timeouts and redirects.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { Agent, type Dispatcher, interceptors } from 'undici';
import { AgentError } from '../../errors.js';
import { isLoopbackHost } from './reference.js';

/** The CA the Go agent trusts for registries when the file exists (contract §2.2). */
export const DEFAULT_REGISTRY_CA = '/usr/local/share/ca-certificates/rootCA.crt';

export interface TransportOptions {
  /** `CONTAINER_REGISTRY_INSECURE`: plain HTTP to every registry. @default false */
  insecure?: boolean | undefined;
  /** CA bundle added to the system roots; a missing file means system roots only. @default DEFAULT_REGISTRY_CA */
  caFile?: string | undefined;
  /** CA PEM already read by the caller (the adapter's from-config does); wins over `caFile`. */
  ca?: string | undefined;
  /** TCP/TLS connect timeout. @default 10000 */
  connectTimeoutMs?: number | undefined;
  /** Time to the response headers. @default 30000 */
  headersTimeoutMs?: number | undefined;
  /** Longest silence inside a body. @default 60000 */
  bodyTimeoutMs?: number | undefined;
}

/** Pure. `http` when insecure or the host is loopback, else `https`. */
export function schemeFor(host: string, insecure: boolean): 'http' | 'https' {
  return insecure || isLoopbackHost(host) ? 'http' : 'https';
}

/**
 * Reads the CA file: undefined when absent, the PEM text when it parses. Throws
 * FAILED_PRECONDITION "failed to parse CA certificate" on an unreadable or invalid file.
 */
export function loadRegistryCa(file: string): string | undefined {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentError('FAILED_PRECONDITION', `failed to read CA certificate ${file}: ${(err as Error).message}`, { step: 'pullImage' });
  }
  try {
    new X509Certificate(pem);
  } catch (err) {
    throw new AgentError('FAILED_PRECONDITION', `failed to parse CA certificate ${file}: ${(err as Error).message}`, { step: 'pullImage' });
  }
  return pem;
}

/** Builds the undici dispatcher: keep-alive pool, CA, timeouts, up to 5 redirects (blob CDNs). */
export function createDispatcher(opts: TransportOptions): Dispatcher {
  const ca = opts.insecure ? undefined : (opts.ca ?? loadRegistryCa(opts.caFile ?? DEFAULT_REGISTRY_CA));
  const agent = new Agent({
    connect: { timeout: opts.connectTimeoutMs ?? 10_000, ...(ca ? { ca: [...rootCertificates, ca] } : {}) },
    headersTimeout: opts.headersTimeoutMs ?? 30_000,
    bodyTimeout: opts.bodyTimeoutMs ?? 60_000,
    connections: 16,
  });
  return agent.compose(interceptors.redirect({ maxRedirections: 5 }));
}
