/**
 * Registry credentials for basic auth (and for the token endpoint of a bearer challenge).
 * Sources, in order: credentials given in the options, then a docker `config.json`
 * (`{"auths": {"<host>": {"auth": base64(user:pass)} | {"username","password"}}}`).
 * Credential helpers (`credsStore`) are not supported.
 */
import { readFileSync } from 'node:fs';

export interface RegistryCredential {
  username: string;
  password: string;
}

/** Finds the credential for a registry host (`127.0.0.1:5000`, `docker.io`). */
export type CredentialLookup = (registry: string) => RegistryCredential | undefined;

interface DockerConfigEntry {
  auth?: string;
  username?: string;
  password?: string;
}

/** Pure. Credentials per registry from the parsed JSON of a docker config file. */
export function credentialsFromDockerConfig(json: unknown): Map<string, RegistryCredential> {
  const out = new Map<string, RegistryCredential>();
  const auths = (json as { auths?: Record<string, DockerConfigEntry> } | null)?.auths ?? {};
  for (const [key, entry] of Object.entries(auths)) {
    let cred: RegistryCredential | undefined;
    if (entry.username && entry.password) cred = { username: entry.username, password: entry.password };
    else if (entry.auth) {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon > 0) cred = { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
    if (cred) out.set(registryKey(key), cred);
  }
  return out;
}

/** Pure. `https://index.docker.io/v1/` and `registry-1.docker.io` both mean `docker.io`. */
export function registryKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(host) ? 'docker.io' : host;
}

/**
 * Builds a lookup from explicit credentials and an optional docker config file. A missing
 * file is fine; an unreadable or malformed one throws (a typo should not silently mean anonymous).
 */
export function createCredentialLookup(opts: {
  credentials?: Record<string, RegistryCredential> | undefined;
  dockerConfigPath?: string | undefined;
}): CredentialLookup {
  const table = new Map<string, RegistryCredential>();
  if (opts.dockerConfigPath) {
    let text: string | undefined;
    try {
      text = readFileSync(opts.dockerConfigPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) for (const [k, v] of credentialsFromDockerConfig(JSON.parse(text))) table.set(k, v);
  }
  for (const [k, v] of Object.entries(opts.credentials ?? {})) table.set(registryKey(k), v);
  return (registry) => table.get(registryKey(registry));
}

/** Pure. The `Authorization: Basic …` value of a credential. */
export function basicAuthHeader(c: RegistryCredential): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}
