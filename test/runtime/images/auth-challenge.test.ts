import { describe, expect, it } from 'vitest';
import { parseAuthChallenges, tokenUrl } from '../../../src/runtime/images/auth-challenge.js';
import { basicAuthHeader, credentialsFromDockerConfig, registryKey } from '../../../src/runtime/images/credentials.js';

describe('parseAuthChallenges', () => {
  it('goes from a Docker Hub bearer challenge to realm, service and scope', () => {
    const [c] = parseAuthChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
    expect(c).toEqual({ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } });
  });
  it('reads several challenges, unquoted values and escaped quotes', () => {
    const cs = parseAuthChallenges('Basic realm="a \\"b\\", c", Bearer realm=https://t.example/token,error=insufficient_scope');
    expect(cs.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(cs[0]!.params['realm']).toBe('a "b", c');
    expect(cs[1]!.params).toEqual({ realm: 'https://t.example/token', error: 'insufficient_scope' });
  });
  it('yields nothing for an empty header', () => {
    expect(parseAuthChallenges(undefined)).toEqual([]);
  });
  it('builds the token URL with service and the pull scope of the repository', () => {
    const url = tokenUrl({ scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'reg' } }, 'esb/echo');
    expect(url?.toString()).toBe('https://t.example/token?service=reg&scope=repository%3Aesb%2Fecho%3Apull');
  });
  it('has no token URL without a realm', () => {
    expect(tokenUrl({ scheme: 'bearer', params: {} }, 'x')).toBeUndefined();
  });
});

describe('credentials', () => {
  it('goes from a docker config to credentials per registry (auth and username/password forms)', () => {
    const creds = credentialsFromDockerConfig({ auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('u:p:w').toString('base64') },
      'reg.example.com:5000': { username: 'a', password: 'b' },
    } });
    expect(creds.get('docker.io')).toEqual({ username: 'u', password: 'p:w' });
    expect(creds.get('reg.example.com:5000')).toEqual({ username: 'a', password: 'b' });
  });
  it('encodes basic auth', () => {
    expect(basicAuthHeader({ username: 'a', password: 'b' })).toBe(`Basic ${Buffer.from('a:b').toString('base64')}`);
    expect(registryKey('registry-1.docker.io')).toBe('docker.io');
  });
});
