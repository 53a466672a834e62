/** Parsing `WWW-Authenticate` challenges (RFC 7235) as registries send them. Pure. */

export interface AuthChallenge {
  /** Lower-case scheme: `bearer` or `basic`. */
  scheme: string;
  /** Parameters with lower-case names (`realm`, `service`, `scope`, `error`). */
  params: Record<string, string>;
}

/**
 * Pure. Parses one header value into its challenges, e.g.
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`.
 * Quoted values may contain commas and `\"` escapes. Never throws; garbage yields [].
 */
export function parseAuthChallenges(header: string | null | undefined): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  const s = header ?? '';
  let i = 0;
  let current: AuthChallenge | undefined;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === ',')) i++;
    const tokenStart = i;
    while (i < s.length && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(s[i]!)) i++;
    const token = s.slice(tokenStart, i);
    if (token === '') { i++; continue; }
    let j = i;
    while (j < s.length && s[j] === ' ') j++;
    if (s[j] === '=' && current) {
      i = j + 1;
      while (i < s.length && s[i] === ' ') i++;
      const [value, next] = readValue(s, i);
      current.params[token.toLowerCase()] = value;
      i = next;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

function readValue(s: string, start: number): [string, number] {
  if (s[start] !== '"') {
    let end = start;
    while (end < s.length && s[end] !== ',' && s[end] !== ' ') end++;
    return [s.slice(start, end), end];
  }
  let value = '';
  let i = start + 1;
  while (i < s.length && s[i] !== '"') {
    if (s[i] === '\\' && i + 1 < s.length) i++;
    value += s[i];
    i++;
  }
  return [value, i + 1];
}

/** Pure. The token endpoint URL for a bearer challenge and the repository's pull scope. */
export function tokenUrl(challenge: AuthChallenge, repository: string): URL | undefined {
  const realm = challenge.params['realm'];
  if (!realm) return undefined;
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return undefined;
  }
  if (challenge.params['service']) url.searchParams.set('service', challenge.params['service']);
  url.searchParams.set('scope', challenge.params['scope'] || `repository:${repository}:pull`);
  return url;
}
