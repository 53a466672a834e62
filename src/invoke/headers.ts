/**
 * Header handling for the invoke proxy.
 *
 * Request: the caller's headers are forwarded except the hop-by-hop ones (RFC 9110 §7.6.1:
 * Connection, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade, plus any header
 * named in the caller's Connection value) and Host / Content-Length, which come from the
 * worker origin and the real body. Names are canonicalised like Go's
 * `textproto.CanonicalMIMEHeaderKey` (`x-test` → `X-Test`) so workers see what the Go agent
 * sent. No `Accept-Encoding` is added (the Go agent's implicit gzip is gone). Non-ASCII values
 * go on the wire as their UTF-8 bytes, as Go sends its strings.
 *
 * Response: hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, …) are dropped as a
 * proxy must; Content-Length is kept (it matches the body). Names are canonicalised the same
 * way as requests. A header that arrives more than once is
 * joined with ", " (RFC 9110 §5.3), except `Set-Cookie`, whose values may contain commas
 * (Expires): its values are joined with "\n", a character no header value can contain, so
 * the gateway can split them back losslessly. The Go agent kept only the first value.
 * Header bytes that form valid UTF-8 are decoded as UTF-8 (undici reads them as latin1), so a
 * UTF-8 value reaches the gateway intact; other bytes keep their latin1 reading.
 */
import { AgentError } from '../errors.js';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

const NO_TOKENS: ReadonlySet<string> = new Set();
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A request header value as the string undici writes byte for byte (latin1): its UTF-8 bytes. Pure. */
function wireValue(value: string): string {
  return NON_ASCII.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

/** A response header value read as latin1 by undici, decoded as UTF-8 when its bytes are UTF-8. Pure. */
function readValue(value: string): string {
  if (!NON_ASCII.test(value)) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/** Separator used between several Set-Cookie values in the flat header map. */
export const SET_COOKIE_SEPARATOR = '\n';

/**
 * Canonical form of a header name, as Go's `CanonicalMIMEHeaderKey`: the first letter and every
 * letter after a hyphen upper-case, the rest lower-case; names with characters outside the
 * token set are returned unchanged. Pure.
 */
export function canonicalHeaderName(name: string): string {
  if (!TOKEN.test(name)) return name;
  let out = '';
  let upper = true;
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

/** Header names seen so far and their canonical forms (workers and gateways repeat a few). */
const canonicalNames = new Map<string, string>();
const MAX_CANONICAL_NAMES = 512;

/** {@link canonicalHeaderName}, remembered for the first {@link MAX_CANONICAL_NAMES} names. */
function canonicalCached(name: string): string {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    canonical = canonicalHeaderName(name);
    if (canonicalNames.size < MAX_CANONICAL_NAMES) canonicalNames.set(name, canonical);
  }
  return canonical;
}

function isHopByHop(lower: string, connectionTokens: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(lower) || lower.startsWith('proxy-') || connectionTokens.has(lower);
}

function connectionTokensOf(headers: Readonly<Record<string, string>>): ReadonlySet<string> {
  let tokens: Set<string> | undefined;
  for (const name in headers) {
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const t of (headers[name] as string).split(',')) if (t.trim() !== '') (tokens ??= new Set()).add(t.trim().toLowerCase());
  }
  return tokens ?? NO_TOKENS;
}

/**
 * The headers to send to the worker: hop-by-hop ones dropped, empty names skipped (as Go),
 * names canonicalised; when two names differ only by case the last one wins (Go's `Header.Set`).
 * Pure.
 * @throws AgentError INVALID_ARGUMENT for a name that is not an HTTP token or a value with
 *   control characters (CR/LF injection).
 */
export function forwardRequestHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const connectionTokens = connectionTokensOf(headers);
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name] as string;
    if (name === '') continue;
    if (!TOKEN.test(name)) {
      throw new AgentError('INVALID_ARGUMENT', `invalid header name ${JSON.stringify(name)}`, { step: 'invoke' });
    }
    if (BAD_VALUE.test(value)) {
      throw new AgentError('INVALID_ARGUMENT', `invalid value for header ${name}: control characters are not allowed`, { step: 'invoke' });
    }
    const lower = name.toLowerCase();
    if (isHopByHop(lower, connectionTokens)) continue;
    out[canonicalCached(name)] = wireValue(value);
  }
  return out;
}

/**
 * Flattens the worker's response headers (undici's parsed form: lower-case names, repeated
 * headers as arrays) into the wire map; see the module comment for the joining rules. Pure.
 */
export function flattenResponseHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower !== 'content-length' && isHopByHop(lower, NO_TOKENS)) continue;
    const key = canonicalCached(name);
    const sep = key === 'Set-Cookie' ? SET_COOKIE_SEPARATOR : ', ';
    const joined = typeof value === 'string' ? readValue(value) : value.map(readValue).join(sep);
    const prev = out[key];
    out[key] = prev === undefined ? joined : `${prev}${sep}${joined}`;
  }
  return out;
}
