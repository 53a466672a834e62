import { describe, expect, it } from 'vitest';
import { exitCodeFromStatus, pickIp, statusFromDockerState, toManagedContainer } from '../../../src/runtime/docker/container-list.js';
import { createBody } from '../../../src/runtime/docker/create-body.js';
import { eventFilters, listFilters } from '../../../src/runtime/docker/docker-labels.js';
import { decodeMetrics, parseDockerTime } from '../../../src/runtime/docker/docker-metrics.js';
import { decodeDockerEvent } from '../../../src/runtime/docker/event-decode.js';
import { identity } from './stub-docker.js';

const labels = { esb_function: 'fn', created_by: 'esb-agent', esb_env: 'dev', 'com.esb.kind': 'function', 'com.esb.owner': 'gw' };

describe('docker labels', () => {
  it('filters on created_by, <B>_env and com.<B>.kind', () => {
    expect(JSON.parse(listFilters(identity))).toEqual({ label: ['created_by=esb-agent', 'esb_env=dev', 'com.esb.kind=function'] });
    expect(JSON.parse(eventFilters(identity))).toMatchObject({ type: ['container'], event: ['die', 'oom', 'destroy'] });
  });
});

describe('container list decoding', () => {
  it.each([['running', 'RUNNING'], ['paused', 'PAUSED'], ['exited', 'STOPPED'], ['dead', 'STOPPED'], ['created', 'UNKNOWN'], ['restarting', 'UNKNOWN']])(
    'maps Docker state %s to %s', (s, want) => expect(statusFromDockerState(s)).toBe(want),
  );

  it('prefers the IP on CONTAINERS_NETWORK, else the first one', () => {
    expect(pickIp({ a: { IPAddress: '10.0.0.1' }, n: { IPAddress: '10.0.0.2' } }, 'n')).toBe('10.0.0.2');
    expect(pickIp({ a: { IPAddress: '' }, b: { IPAddress: '10.0.0.3' } }, 'n')).toBe('10.0.0.3');
    expect(pickIp({}, 'n')).toBeUndefined();
  });

  it('decodes a row without inspect (name, owner, times, exit code)', () => {
    const c = toManagedContainer({ Id: 'abc', Names: ['/esb-dev-fn-1'], Created: 1700000000, State: 'exited', Status: 'Exited (137) 2 seconds ago', Labels: labels, NetworkSettings: { Networks: { n: { IPAddress: '' } } } }, identity, 'n');
    expect(c).toMatchObject({ containerId: 'abc', name: 'esb-dev-fn-1', functionName: 'fn', ownerId: 'gw', status: 'STOPPED', createdAt: 1700000000000, exitCode: 137 });
    expect(exitCodeFromStatus('Up 3 seconds')).toBeUndefined();
  });

  it('skips containers without a function label', () => {
    expect(toManagedContainer({ Id: 'x', Labels: { ...labels, esb_function: '' } }, identity, 'n')).toBeUndefined();
  });
});

describe('createBody', () => {
  it('builds the worker create body', () => {
    const b = createBody({ name: 'esb-dev-fn-1', functionName: 'fn', image: 'img', env: { A: '1', B: 'x=y' }, ownerId: 'gw', labels, memoryLimitBytes: 128 << 20 }, 'net');
    expect(b).toEqual({
      name: 'esb-dev-fn-1', Image: 'img', Env: ['A=1', 'B=x=y'], Labels: labels, ExposedPorts: { '8080/tcp': {} },
      HostConfig: { RestartPolicy: { Name: 'no' }, NetworkMode: 'net', Memory: 128 << 20 },
      NetworkingConfig: { EndpointsConfig: { net: {} } },
    });
    expect(createBody({ name: 'n', functionName: 'f', image: 'i', env: {}, ownerId: 'o', labels }, 'net').HostConfig.Memory).toBeUndefined();
  });
});

describe('decodeMetrics', () => {
  const stats = { memory_stats: { usage: 7_000_000, limit: 25_000_000_000 }, cpu_stats: { cpu_usage: { total_usage: 123_456 } } };
  it('uses the limit when set, the host total otherwise', () => {
    const running = { Id: 'x', State: { Status: 'running', Running: true }, HostConfig: { Memory: 134217728 }, RestartCount: 0 };
    expect(decodeMetrics(stats, running)).toEqual({ state: 'RUNNING', memoryCurrent: 7_000_000n, memoryMax: 134217728n, oomEvents: 0n, cpuUsageNs: 123_456n, exitCode: 0, exitTime: 0, restartCount: 0 });
    expect(decodeMetrics(stats, { ...running, HostConfig: { Memory: 0 } }).memoryMax).toBe(25_000_000_000n);
  });
  it('reports exit code, exit time and OOM for a stopped container', () => {
    const m = decodeMetrics({}, { Id: 'x', State: { Status: 'exited', ExitCode: 137, OOMKilled: true, FinishedAt: '2026-11-28T10:00:00.5Z' }, RestartCount: 2 });
    expect(m).toMatchObject({ state: 'STOPPED', exitCode: 137, oomEvents: 1n, exitTime: Date.parse('2026-11-28T10:00:00.5Z'), restartCount: 2, memoryCurrent: 0n });
    expect(parseDockerTime('0001-01-01T00:00:00Z')).toBe(0);
    expect(decodeMetrics({}, { Id: 'x', State: { Status: 'exited', OOMKilled: false } }, 2).oomEvents).toBe(2n);
  });
  it('reports PAUSED when paused', () => {
    expect(decodeMetrics(stats, { Id: 'x', State: { Status: 'paused', Running: true, Paused: true } }).state).toBe('PAUSED');
  });
});

describe('decodeDockerEvent', () => {
  const ev = (Action: string, extra: Record<string, string> = {}) =>
    JSON.stringify({ Type: 'container', Action, status: Action, Actor: { ID: 'abc', Attributes: { name: 'esb-dev-fn-1', ...extra } }, time: 1700000000, timeNano: 1700000000123456789 });
  it('decodes die with its exit code', () => {
    expect(decodeDockerEvent(ev('die', { exitCode: '137' }), 0)).toMatchObject({ kind: 'runtime', event: { type: 'exit', name: 'esb-dev-fn-1', exitCode: 137, at: 1700000000123 } });
  });
  it('decodes oom and destroy, ignores others and junk', () => {
    expect(decodeDockerEvent(ev('oom'), 0)).toMatchObject({ kind: 'runtime', event: { type: 'oom', name: 'esb-dev-fn-1' } });
    expect(decodeDockerEvent(ev('destroy'), 0)).toMatchObject({ kind: 'destroy', name: 'esb-dev-fn-1' });
    expect(decodeDockerEvent(ev('start'), 0)).toMatchObject({ kind: 'ignored' });
    expect(decodeDockerEvent('nope', 0)).toBeUndefined();
  });
});
