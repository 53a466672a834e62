/** grpc.health.v1.Health and server reflection on the agent's port. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSupervisor } from './helpers/fake-supervisor.js';
import { ScriptedInvoker, startTestServer, TLS_OFF, type TestServer } from './helpers/test-server.js';
import { createGrpcServer } from '../../src/server/server.js';
import { pino } from 'pino';

const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String })) as any;
const reflectionProto = new URL('../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto', import.meta.url).pathname;

function healthCheck(address: string, service: string): Promise<{ status?: string; code?: number }> {
  const client = new healthPkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.Check({ service }, (err: grpc.ServiceError | null, res: { status: string }) => {
      client.close();
      resolve(err ? { code: err.code } : { status: res.status });
    });
  });
}

function listServices(address: string): Promise<{ services?: string[]; code?: number }> {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto, { keepCase: true })) as any;
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    const stream = client.ServerReflectionInfo();
    stream.on('data', (msg: any) => {
      resolve({ services: msg.list_services_response.service.map((s: { name: string }) => s.name) });
      stream.end();
    });
    stream.on('error', (err: grpc.ServiceError) => resolve({ code: err.code }));
    stream.on('end', () => client.close());
    stream.write({ list_services: '' });
  });
}

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('health', () => {
  it('answers NOT_SERVING before the composition root marks the agent ready', async () => {
    const agent = createGrpcServer({
      supervisor: new FakeSupervisor(), invoker: new ScriptedInvoker(), log: pino({ level: 'silent' }), tls: TLS_OFF,
      reflection: false, maxReceiveMessageBytes: 1 << 22, maxSendMessageBytes: 1 << 22,
    });
    const port = await agent.bind('127.0.0.1', 0);
    expect(await healthCheck(`127.0.0.1:${port}`, '')).toEqual({ status: 'NOT_SERVING' });
    expect(await healthCheck(`127.0.0.1:${port}`, 'esb.agent.v1.AgentService')).toEqual({ status: 'NOT_SERVING' });
    await agent.shutdown(1_000);
  });
  it('answers SERVING for "" and esb.agent.v1.AgentService once ready, NOT_SERVING after shutdown starts', async () => {
    srv = await startTestServer({ supervisor: new FakeSupervisor() });
    expect(await healthCheck(srv.address, '')).toEqual({ status: 'SERVING' });
    expect(await healthCheck(srv.address, 'esb.agent.v1.AgentService')).toEqual({ status: 'SERVING' });
    expect((await healthCheck(srv.address, 'agent.v1.AgentService')).code).toBe(grpc.status.NOT_FOUND);
    srv.agent.setServing(false);
    expect(await healthCheck(srv.address, '')).toEqual({ status: 'NOT_SERVING' });
    expect(await healthCheck(srv.address, 'esb.agent.v1.AgentService')).toEqual({ status: 'NOT_SERVING' });
  });
  it('turns NOT_SERVING when shutdown begins, while in-flight calls may still finish', async () => {
    const supervisor = new FakeSupervisor();
    srv = await startTestServer({ supervisor });
    supervisor.script.ensureDelayMs = 1_500;
    const inflight = srv.client.call('EnsureContainer', { function_name: 'f', image: 'i', owner_id: 'o' });
    const watcher = new healthPkg.grpc.health.v1.Health(srv.address, grpc.credentials.createInsecure());
    const seen: string[] = [];
    const watch = watcher.Watch({ service: '' });
    watch.on('data', (m: { status: string }) => seen.push(m.status));
    watch.on('error', () => {});
    await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toBe('SERVING');
    const stopping = srv.agent.shutdown(10_000);
    await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toBe('NOT_SERVING');
    watch.cancel();
    watcher.close();
    expect((await inflight).reply?.id).toBeTruthy();
    await stopping;
  });
});

describe('listening', () => {
  it('names the address when the port is taken', async () => {
    srv = await startTestServer({ supervisor: new FakeSupervisor() });
    const second = createGrpcServer({
      supervisor: new FakeSupervisor(), invoker: new ScriptedInvoker(), log: pino({ level: 'silent' }), tls: TLS_OFF,
      reflection: false, maxReceiveMessageBytes: 1 << 22, maxSendMessageBytes: 1 << 22,
    });
    await expect(second.bind('127.0.0.1', srv.port)).rejects.toThrow(`cannot listen for gRPC on 127.0.0.1:${srv.port} (AGENT_GRPC_HOST, PORT)`);
    await second.shutdown(100);
  });
  it('refuses a request over the receive limit with RESOURCE_EXHAUSTED', async () => {
    srv = await startTestServer({ supervisor: new FakeSupervisor() });
    const { error } = await srv.client.call('InvokeWorker', { container_id: 'c', owner_id: 'o', payload: Buffer.alloc(5 * 1024 * 1024) });
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('reflection', () => {
  it('lists the AgentService and health when enabled', async () => {
    srv = await startTestServer({ supervisor: new FakeSupervisor(), reflection: true });
    const { services } = await listServices(srv.address);
    expect(services).toEqual(expect.arrayContaining(['esb.agent.v1.AgentService', 'grpc.health.v1.Health']));
  });
  it('is absent (UNIMPLEMENTED) when disabled', async () => {
    srv = await startTestServer({ supervisor: new FakeSupervisor(), reflection: false });
    expect((await listServices(srv.address)).code).toBe(grpc.status.UNIMPLEMENTED);
  });
});
