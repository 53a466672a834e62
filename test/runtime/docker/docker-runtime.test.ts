import { describe, expect, it } from 'vitest';
import { StubDocker, hang, httpError, socketError, stubRuntime } from './stub-docker.js';

const spec = {
  name: 'esb-dev-fn-1a2b3c4d', functionName: 'fn', image: 'img:1', env: { A: '1' }, ownerId: 'gw',
  labels: { esb_function: 'fn', created_by: 'esb-agent', esb_env: 'dev', 'com.esb.kind': 'function', 'com.esb.owner': 'gw' },
};
const running = (ip = '') => ({ Id: 'abc', State: { Status: 'running', Running: true }, NetworkSettings: { Networks: { 'esb-net': { IPAddress: ip } } } });

describe('DockerRuntime (stubbed dockerode)', () => {
  it('reports networkPhase afterStart', () => {
    expect(stubRuntime(new StubDocker()).info).toMatchObject({ kind: 'docker', networkPhase: 'afterStart' });
  });

  it('creates with Docker id as containerId and the create body', async () => {
    const stub = new StubDocker().on('createContainer', () => ({ id: 'f'.repeat(64) }));
    await expect(stubRuntime(stub).create(spec, {})).resolves.toEqual({ containerId: 'f'.repeat(64) });
    expect(stub.calls[0]?.opts).toMatchObject({ name: spec.name, HostConfig: { NetworkMode: 'esb-net', RestartPolicy: { Name: 'no' } } });
    expect(stub.calls[0]?.opts['abortSignal']).toBeInstanceOf(AbortSignal);
  });

  it('maps a missing network on create to FAILED_PRECONDITION with the fix', async () => {
    const stub = new StubDocker().on('createContainer', () => Promise.reject(httpError(404, 'network esb-net not found')));
    await expect(stubRuntime(stub).create(spec, {})).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('docker network create esb-net') });
  });

  it('removes a container whose create finished after the caller aborted, then reports CANCELLED', async () => {
    const ac = new AbortController();
    const stub = new StubDocker()
      .on('createContainer', () => new Promise((r) => setTimeout(() => r({ id: 'a'.repeat(64) }), 30)))
      .on('remove', () => undefined);
    const p = stubRuntime(stub).create(spec, { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(stub.calls.map((c) => c.method)).toEqual(['createContainer', 'remove']);
  });

  it('maps a name clash on create to ALREADY_EXISTS', async () => {
    const stub = new StubDocker().on('createContainer', () => Promise.reject(httpError(409, 'Conflict. The container name "/x" is already in use')));
    await expect(stubRuntime(stub).create(spec, {})).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('times out a hung daemon call with DEADLINE_EXCEEDED', async () => {
    const stub = new StubDocker().on('start', (_t, o) => hang(o));
    await expect(stubRuntime(stub).start(spec.name, {})).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', step: 'start' });
  });

  it('times out even when the library ignores the abort signal', async () => {
    const stub = new StubDocker().on('pause', () => new Promise(() => undefined));
    await expect(stubRuntime(stub).pause(spec.name, {})).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('reports CANCELLED when the caller aborts', async () => {
    const stub = new StubDocker().on('start', (_t, o) => hang(o));
    const ac = new AbortController();
    const p = stubRuntime(stub).start(spec.name, { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('maps an unreachable socket to UNAVAILABLE', async () => {
    const stub = new StubDocker().on('listContainers', () => Promise.reject(socketError('ECONNREFUSED')));
    await expect(stubRuntime(stub).list({})).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('unix:///stub.sock') });
  });

  it('retries inspect until the IP appears', async () => {
    let n = 0;
    const stub = new StubDocker().on('inspect', () => (++n < 3 ? running('') : running('10.1.2.3')));
    await expect(stubRuntime(stub).setupNetwork(spec.name, {})).resolves.toEqual({ ipAddress: '10.1.2.3' });
    expect(n).toBe(3);
  });

  it('fails netSetup when no IP appears within the bound', async () => {
    const stub = new StubDocker().on('inspect', () => running(''));
    await expect(stubRuntime(stub).setupNetwork(spec.name, {})).rejects.toMatchObject({ step: 'netSetup', message: expect.stringContaining('no IP address') });
  });

  it('fails netSetup at once when the container already exited', async () => {
    const stub = new StubDocker().on('inspect', () => ({ Id: 'a', State: { Status: 'exited', ExitCode: 127 } }));
    await expect(stubRuntime(stub).setupNetwork(spec.name, {})).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('code 127') });
  });

  it('unpauses a paused container before stopping it', async () => {
    const stub = new StubDocker()
      .on('inspect', () => ({ Id: 'a', State: { Status: 'paused', Running: true, Paused: true } }))
      .on('unpause', () => undefined)
      .on('stop', () => undefined);
    await stubRuntime(stub).stop(spec.name, { graceMs: 1500 });
    expect(stub.calls.map((c) => c.method)).toEqual(['inspect', 'unpause', 'stop']);
    expect(stub.calls[2]?.opts['t']).toBe(2);
  });

  it('kills when stop fails, and treats a missing container as stopped', async () => {
    const stub = new StubDocker().on('inspect', () => running('1.1.1.1')).on('stop', () => Promise.reject(httpError(500, 'odd'))).on('kill', () => undefined);
    await stubRuntime(stub).stop(spec.name, { graceMs: 0 });
    expect(stub.count('kill')).toBe(1);
    const gone = new StubDocker().on('inspect', () => Promise.reject(httpError(404, 'No such container')));
    await expect(stubRuntime(gone).stop(spec.name, { graceMs: 0 })).resolves.toBeUndefined();
  });

  it('removes with force and counts 404 as done', async () => {
    const stub = new StubDocker().on('remove', () => Promise.reject(httpError(404, 'No such container')));
    await expect(stubRuntime(stub).remove(spec.name, {})).resolves.toBeUndefined();
    expect(stub.calls[0]?.opts).toMatchObject({ force: true, v: true });
  });

  it('pause of a missing container is NOT_FOUND; pause twice is fine', async () => {
    const missing = new StubDocker().on('pause', () => Promise.reject(httpError(404, 'No such container: x')));
    await expect(stubRuntime(missing).pause('x', {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const twice = new StubDocker().on('pause', () => Promise.reject(httpError(409, 'Container abc is already paused')));
    await expect(stubRuntime(twice).pause('x', {})).resolves.toBeUndefined();
  });

  it('lists with one request, label filters and All', async () => {
    const stub = new StubDocker().on('listContainers', () => [
      { Id: 'a', Names: ['/esb-dev-fn-1'], State: 'running', Created: 1, Labels: spec.labels, NetworkSettings: { Networks: { 'esb-net': { IPAddress: '10.0.0.9' } } } },
    ]);
    const list = await stubRuntime(stub).list({});
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ ipAddress: '10.0.0.9', status: 'RUNNING' });
    expect(stub.calls).toHaveLength(1);
    expect(stub.calls[0]?.opts).toMatchObject({ all: true });
    expect(JSON.parse(stub.calls[0]?.opts['filters'] as string).label).toContain('created_by=esb-agent');
  });

  it('reads metrics from one-shot stats plus inspect', async () => {
    const stub = new StubDocker()
      .on('inspect', () => ({ ...running('1.2.3.4'), HostConfig: { Memory: 1000 } }))
      .on('stats', () => ({ memory_stats: { usage: 500, limit: 1000 }, cpu_stats: { cpu_usage: { total_usage: 42 } } }));
    await expect(stubRuntime(stub).metrics(spec.name, {})).resolves.toMatchObject({ state: 'RUNNING', memoryCurrent: 500n, memoryMax: 1000n, cpuUsageNs: 42n });
    expect(stub.calls.find((c) => c.method === 'stats')?.opts).toMatchObject({ stream: false, 'one-shot': true });
  });
});
