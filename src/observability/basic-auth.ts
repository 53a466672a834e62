/** HTTP Basic authentication check for the observability port. Pure; constant-time compare. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Returns a checker for `Authorization` headers against `user:password` credentials
 * (`AGENT_HTTP_BASIC_AUTH`). The password may contain `:`; throws TypeError when no `:` is present.
 */
export function basicAuthChecker(credentials: string): (header: string | undefined) => boolean {
  if (!credentials.includes(':')) throw new TypeError('basic auth credentials must be "user:password"');
  const expected = digest(credentials);
  return (header) => {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!m || !m[1]) return false;
    return timingSafeEqual(digest(Buffer.from(m[1], 'base64').toString('utf8')), expected);
  };
}
