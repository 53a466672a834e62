import { describe, expect, it } from 'vitest';
import { hostnameOf, isLoopbackHost, manifestReference, parseReference } from '../../../src/runtime/images/reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it('goes from a bare name to docker.io/library with tag latest and the registry-1 host', () => {
    expect(parseReference('busybox')).toMatchObject({ domain: 'docker.io', host: 'registry-1.docker.io', repository: 'library/busybox', tag: 'latest', name: 'docker.io/library/busybox:latest' });
  });
  it('keeps a user repository on Docker Hub without library/', () => {
    expect(parseReference('esb/echo:1').name).toBe('docker.io/esb/echo:1');
  });
  it('goes from a host:port reference to that registry', () => {
    expect(parseReference('127.0.0.1:5000/esb/echo:latest')).toMatchObject({ domain: '127.0.0.1:5000', host: '127.0.0.1:5000', repository: 'esb/echo', tag: 'latest' });
  });
  it('treats localhost as a registry', () => {
    expect(parseReference('localhost/x').domain).toBe('localhost');
  });
  it('keeps a digest and asks the registry for it', () => {
    const r = parseReference(`reg.example.com/a/b@${D}`);
    expect(r.tag).toBeUndefined();
    expect(r.digest).toBe(D);
    expect(manifestReference(r)).toBe(D);
    expect(r.name).toBe(`reg.example.com/a/b@${D}`);
  });
  it('keeps tag and digest together', () => {
    expect(parseReference(`reg.io/a:v1@${D}`).name).toBe(`reg.io/a:v1@${D}`);
  });
  it.each(['', 'UPPER/case', 'a/b:bad tag', `a@sha256:${'z'.repeat(64)}`, 'a//b', 'reg.io/a:'])('rejects "%s" with INVALID_ARGUMENT', (ref) => {
    expect(() => parseReference(ref)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('isLoopbackHost', () => {
  it.each([['127.0.0.1:5000', true], ['localhost', true], ['[::1]:5000', true], ['127.1.2.3', true], ['registry:5010', false], ['10.0.0.1', false]])('%s → %s', (h, want) => {
    expect(isLoopbackHost(h)).toBe(want);
  });
  it('strips the port for distribution.source labels', () => {
    expect(hostnameOf('127.0.0.1:5000')).toBe('127.0.0.1');
  });
});
