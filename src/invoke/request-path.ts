/**
 * The worker request path from `InvokeWorkerRequest.path` (contract §4 step 4): empty means the
 * RIE invoke route, a `/` is prepended when missing, the query string is kept verbatim.
 * Unlike the Go agent, anything that could leave the worker's origin or confuse its router is
 * refused: absolute URLs, a scheme or an authority (`//host`), dot segments (`..`, `.`, also
 * percent-encoded), backslashes, fragments, control characters (CR/LF injection), spaces and
 * malformed percent escapes. Non-ASCII characters are percent-encoded as UTF-8, as Go's
 * `URL.EscapedPath` does.
 */
import { AgentError } from '../errors.js';

/** The RIE route the gateway uses. */
export const DEFAULT_INVOKE_PATH = '/2015-03-31/functions/function/invocations';
/** Longest accepted path (query included), in characters. */
export const MAX_PATH_LENGTH = 8192;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

function refuse(path: string, why: string): AgentError {
  const shown = JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}…` : path);
  return new AgentError('INVALID_ARGUMENT', `invalid path ${shown}: ${why}`, { step: 'invoke' });
}

/** Percent-encodes every non-ASCII character as UTF-8 bytes; ASCII is left alone. Pure. */
function encodeNonAscii(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(s) ? s.replace(/[^\x00-\x7f]+/g, (m) => encodeURIComponent(m)) : s;
}

/** Throws when `s` holds a character that has no place in a request target. */
function checkCharacters(original: string, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) throw refuse(original, 'control characters and spaces are not allowed');
    if (c === 0x5c) throw refuse(original, 'backslashes are not allowed');
    if (c === 0x23) throw refuse(original, 'fragments (#) are not allowed');
  }
  if (BAD_PERCENT.test(s)) throw refuse(original, 'malformed percent escape');
}

/**
 * Resolves the path sent to the worker. Pure.
 * @throws AgentError INVALID_ARGUMENT when the path is unsafe (see the module comment).
 */
export function resolveInvokePath(path: string | undefined): string {
  const raw = path ?? '';
  if (raw === '') return DEFAULT_INVOKE_PATH;
  if (raw.length > MAX_PATH_LENGTH) throw refuse(raw, `longer than ${MAX_PATH_LENGTH} characters`);
  if (raw.startsWith('//')) throw refuse(raw, 'an authority (//host) is not allowed');
  if (SCHEME.test(raw)) throw refuse(raw, 'absolute URLs (scheme:) are not allowed');
  const s = encodeNonAscii(raw);
  checkCharacters(raw, s);
  const withSlash = s.startsWith('/') ? s : `/${s}`;
  const q = withSlash.indexOf('?');
  const pathPart = q === -1 ? withSlash : withSlash.slice(0, q);
  if (pathPart.startsWith('//')) throw refuse(raw, 'an authority (//host) is not allowed');
  for (const segment of pathPart.split('/')) {
    if (DOT_SEGMENT.test(segment)) throw refuse(raw, 'dot segments (. or ..) are not allowed');
  }
  return withSlash;
}
