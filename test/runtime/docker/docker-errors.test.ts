import { describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/errors.js';
import { dockerMessage, mapDockerError } from '../../../src/runtime/docker/docker-errors.js';
import { httpError, socketError } from './stub-docker.js';

describe('mapDockerError', () => {
  const cases: Array<[string, unknown, string]> = [
    ['404 no such container', httpError(404, 'No such container: x'), 'NOT_FOUND'],
    ['409 name in use', httpError(409, 'Conflict. The container name "/x" is already in use by container "abc".'), 'ALREADY_EXISTS'],
    ['409 is paused', httpError(409, 'Container abc is paused, unpause the container before stopping or killing'), 'FAILED_PRECONDITION'],
    ['409 not running', httpError(409, 'Container abc is not running'), 'FAILED_PRECONDITION'],
    ['400 bad name', httpError(400, 'Invalid container name (a b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'), 'INVALID_ARGUMENT'],
    ['500 bad entrypoint', httpError(500, 'OCI runtime create failed: exec: "/nope": stat /nope: no such file or directory: unknown'), 'FAILED_PRECONDITION'],
    ['400 bad entrypoint', httpError(400, 'failed to create shim: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory: unknown'), 'FAILED_PRECONDITION'],
    ['500 containerd gone', httpError(500, 'connection error: desc = "transport: Error while dialing dial unix /run/containerd/containerd.sock: connect: connection refused"'), 'UNAVAILABLE'],
    ['500 other', httpError(500, 'something odd'), 'INTERNAL'],
    ['503', httpError(503, 'busy'), 'UNAVAILABLE'],
    ['ECONNREFUSED', socketError('ECONNREFUSED'), 'UNAVAILABLE'],
    ['ENOENT socket', socketError('ENOENT'), 'UNAVAILABLE'],
    ['socket hang up', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'UNAVAILABLE'],
    ['AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'CANCELLED'],
    ['plain error', new Error('weird'), 'INTERNAL'],
  ];
  it.each(cases)('maps %s to the right code', (_label, err, code) => {
    const e = mapDockerError(err, 'do thing', 'step', 'unix:///var/run/docker.sock');
    expect(e).toBeInstanceOf(AgentError);
    expect(e.code).toBe(code);
    expect(e.message.startsWith('do thing: ')).toBe(true);
    expect(e.step).toBe('step');
  });

  it('passes AgentErrors through unchanged', () => {
    const a = new AgentError('NOT_FOUND', 'x');
    expect(mapDockerError(a, 'w', 's')).toBe(a);
  });

  it('names the endpoint when the socket does not answer', () => {
    expect(mapDockerError(socketError('ECONNREFUSED'), 'ping', 'docker', 'unix:///run/x.sock').message).toContain('unix:///run/x.sock');
  });

  it('reads the daemon message rather than the modem prefix', () => {
    expect(dockerMessage(httpError(404, 'No such container: x'))).toBe('No such container: x');
    expect(dockerMessage(new Error('(HTTP code 500) server error - boom '))).toBe('boom');
    expect(dockerMessage(Object.assign(new Error('(HTTP code 304) container already stopped - '), { statusCode: 304, json: null }))).toBe('container already stopped');
  });
});
