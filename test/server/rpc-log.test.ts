/** The per-RPC log line and the metrics hooks, over real gRPC. */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { levelOf, splitMethodPath } from '../../src/server/rpc-interceptor.js';
import { FakeSupervisor } from './helpers/fake-supervisor.js';
import { captureLog } from './helpers/log-capture.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const captured = captureLog();
const ends: Array<[string, string, string, number]> = [];
const starts: Array<[string, string]> = [];
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({
    supervisor: new FakeSupervisor(),
    log: captured.log,
    hooks: {
      onRpcStart: (s, m) => starts.push([s, m]),
      onRpcEnd: (s, m, c, sec) => ends.push([s, m, c, sec]),
    },
  });
});
afterAll(async () => srv.close());

const PINO_LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;
const finished = (method: string) => captured.lines.filter((l) => l.msg === 'finished call' && l['grpc.method'] === method);

describe('rpc log interceptor', () => {
  it('writes one line per RPC with service, method, code, time, ids and peer', async () => {
    const info = await srv.client.ok('EnsureContainer', { function_name: 'fn', image: 'img', owner_id: ' o1 ' });
    await srv.client.call('PauseContainer', { container_id: 'missing', owner_id: 'o1' });
    await expect.poll(() => finished('PauseContainer').length).toBe(1);
    const [ensure] = finished('EnsureContainer');
    expect(finished('EnsureContainer')).toHaveLength(1);
    expect(ensure).toMatchObject({
      level: PINO_LEVEL.info, 'grpc.service': 'esb.agent.v1.AgentService', 'grpc.method': 'EnsureContainer',
      'grpc.code': 'OK', container_id: info.id, owner_id: 'o1', 'peer.address': expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(typeof ensure!['grpc.time_ms']).toBe('number');
    expect(finished('PauseContainer')[0]).toMatchObject({ level: PINO_LEVEL.info, 'grpc.code': 'NotFound', 'grpc.error': 'container_id not found', container_id: 'missing' });
  });
  it('keeps the field order of the line: method fields, timing and code, error, peer, then ids', async () => {
    await srv.client.call('PauseContainer', { container_id: 'order-check', owner_id: 'o2' });
    await expect.poll(() => finished('PauseContainer').filter((l) => l.container_id === 'order-check').length).toBe(1);
    const line = finished('PauseContainer').find((l) => l.container_id === 'order-check')!;
    expect(Object.keys(line).filter((k) => !['level', 'time', 'pid', 'hostname'].includes(k))).toEqual([
      'protocol', 'grpc.component', 'grpc.service', 'grpc.method', 'grpc.method_type', 'grpc.start_time', 'grpc.code',
      'grpc.time_ms', 'grpc.error', 'peer.address', 'container_id', 'owner_id', 'msg',
    ]);
    expect(line).toMatchObject({ protocol: 'grpc', 'grpc.component': 'server', 'grpc.method_type': 'unary' });
    expect(Number.isNaN(Date.parse(line['grpc.start_time']))).toBe(false);
  });
  it('calls the metrics hooks once per RPC with Go code names', async () => {
    starts.length = 0;
    ends.length = 0;
    await srv.client.call('ListContainers', { owner_id: '' });
    await expect.poll(() => ends.length).toBe(1);
    expect(starts).toEqual([['esb.agent.v1.AgentService', 'ListContainers']]);
    expect(ends[0]!.slice(0, 3)).toEqual(['esb.agent.v1.AgentService', 'ListContainers', 'InvalidArgument']);
    expect(ends[0]![3]).toBeGreaterThanOrEqual(0);
  });
  it('uses go-grpc-middleware levels: client errors info/warn, server errors error', () => {
    expect(levelOf(status.OK)).toBe('info');
    expect(levelOf(status.INVALID_ARGUMENT)).toBe('info');
    expect(levelOf(status.PERMISSION_DENIED)).toBe('warn');
    expect(levelOf(status.FAILED_PRECONDITION)).toBe('warn');
    expect(levelOf(status.INTERNAL)).toBe('error');
    expect(levelOf(status.UNAVAILABLE)).toBe('error');
  });
  it('splits a method path', () => {
    expect(splitMethodPath('/grpc.health.v1.Health/Check')).toEqual({ service: 'grpc.health.v1.Health', method: 'Check' });
  });
});
