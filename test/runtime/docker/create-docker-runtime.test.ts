import { describe, expect, it } from 'vitest';
import { createDockerRuntime, negotiateApiVersion, parseDockerHost, withTls } from '../../../src/runtime/docker/create-docker-runtime.js';
import { parsePullPolicy } from '../../../src/runtime/docker/docker-options.js';

describe('createDockerRuntime helpers', () => {
  it('parses DOCKER_HOST forms', () => {
    expect(parseDockerHost('unix:///var/run/docker.sock')).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(parseDockerHost('/run/x.sock')).toEqual({ socketPath: '/run/x.sock' });
    expect(parseDockerHost('tcp://127.0.0.1:2375')).toEqual({ host: '127.0.0.1', port: 2375, protocol: 'http' });
    expect(() => parseDockerHost('ssh://me@host')).toThrow(/not supported/);
  });

  it('switches a tcp endpoint to https when TLS is asked for, and leaves sockets alone', () => {
    expect(withTls({ host: 'h', port: 2376, protocol: 'http' }, { verify: true })).toMatchObject({ protocol: 'https' });
    expect(withTls({ socketPath: '/s' }, { verify: true })).toEqual({ socketPath: '/s' });
    expect(() => withTls({ host: 'h', port: 2376, protocol: 'http' }, { verify: true, certPath: '/nonexistent-esb' })).toThrow(/DOCKER_CERT_PATH/);
  });

  it('negotiates the lower API version', () => {
    expect(negotiateApiVersion('1.41', '1.41')).toBe('1.41');
    expect(negotiateApiVersion('1.45', '1.41')).toBe('1.41');
    expect(negotiateApiVersion('1.40', '1.41')).toBe('1.40');
    expect(negotiateApiVersion(undefined, '1.41')).toBe('1.41');
  });

  it('parses IMAGE_PULL_POLICY', () => {
    expect(parsePullPolicy(undefined)).toBe('if-not-present');
    expect(parsePullPolicy(' Always ')).toBe('always');
    expect(parsePullPolicy('never')).toBe('never');
    expect(parsePullPolicy('sometimes')).toBeUndefined();
  });

  it('fails start-up with UNAVAILABLE naming DOCKER_HOST when nothing listens', async () => {
    await expect(
      createDockerRuntime({ dockerHost: 'unix:///nonexistent/esb-docker-test.sock', network: 'n', identity: { brand: 'esb', env: 'dev' }, callTimeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('DOCKER_HOST=unix:///nonexistent/esb-docker-test.sock') });
  });
});
