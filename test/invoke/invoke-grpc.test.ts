/**
 * The invoke proxy behind the real gRPC server: message sizes set from grpcMessageLimits() at
 * each boundary (response cap, request cap, gRPC's own receive limit), and the call's cancel
 * and deadline reaching the worker's HTTP request.
 */
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvoker, type ProxyInvoker } from '../../src/invoke/invoker.js';
import { DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_RESPONSE_BYTES, grpcMessageLimits } from '../../src/invoke/message-limits.js';
import type { Supervisor } from '../../src/machines/supervisor-api.js';
import { createGrpcServer, type AgentGrpcServer } from '../../src/server/server.js';
import { type AgentTestClient, connectAgent, deadlineIn } from '../server/helpers/agent-client.js';
import { FakeSupervisor, FakeWorker } from './helpers/fake-supervisor.js';
import { type LocalWorker, startLocalWorker, until } from './helpers/local-worker.js';

const OWNER = 'owner-g';
const ID = 'esb-grpc-fn-0001';

describe('InvokeWorker over gRPC with the invoke proxy', () => {
  let srv: LocalWorker;
  let invoker: ProxyInvoker;
  let agent: AgentGrpcServer;
  let client: AgentTestClient;
  const limits = grpcMessageLimits();

  beforeAll(async () => {
    // Payload "N" → N bytes back; "hang" → never answers; anything else → its length as text.
    srv = await startLocalWorker((_r, res, body) => {
      const text = body.length < 16 ? body.toString() : '';
      if (text === 'hang') return;
      if (/^\d+$/.test(text)) return res.end(Buffer.alloc(Number(text), 97));
      res.end(String(body.length));
    });
    const sup = new FakeSupervisor();
    sup.add(new FakeWorker(ID, OWNER, '127.0.0.1', srv.port));
    invoker = createInvoker({ supervisor: sup });
    agent = createGrpcServer({
      supervisor: sup as unknown as Supervisor, invoker, log: pino({ level: 'silent' }),
      tls: { disabled: true, certPath: '', keyPath: '', caPath: '' }, reflection: false,
      maxReceiveMessageBytes: limits.maxReceiveMessageLength, maxSendMessageBytes: limits.maxSendMessageLength,
    });
    const port = await agent.bind('127.0.0.1', 0);
    agent.setServing(true);
    client = connectAgent(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': limits.maxSendMessageLength,
      'grpc.max_send_message_length': -1,
    });
  });
  afterAll(async () => {
    client?.close();
    await agent?.shutdown(2000);
    await invoker?.close();
    await srv?.close();
  });

  const invoke = (payload: Buffer, options: grpc.CallOptions = {}) =>
    client.call('InvokeWorker', { container_id: ID, owner_id: OWNER, payload, timeout_ms: 30_000 }, options);

  it('delivers a response body of exactly the cap', async () => {
    const { reply, error } = await invoke(Buffer.from(String(DEFAULT_MAX_RESPONSE_BYTES)));
    expect(error).toBeUndefined();
    expect((reply as { body: Buffer }).body.length).toBe(DEFAULT_MAX_RESPONSE_BYTES);
  });

  it('answers RESOURCE_EXHAUSTED for one byte over the response cap', async () => {
    const { error } = await invoke(Buffer.from(String(DEFAULT_MAX_RESPONSE_BYTES + 1)));
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toBe(`response body too large (limit ${DEFAULT_MAX_RESPONSE_BYTES} bytes)`);
  });

  it('accepts a request payload of exactly the request cap', async () => {
    const { reply, error } = await invoke(Buffer.alloc(DEFAULT_MAX_REQUEST_BYTES, 98));
    expect(error).toBeUndefined();
    expect((reply as { body: Buffer }).body.toString()).toBe(String(DEFAULT_MAX_REQUEST_BYTES));
  });

  it('answers RESOURCE_EXHAUSTED for one byte over the request cap, before the worker', async () => {
    const before = srv.received;
    const { error } = await invoke(Buffer.alloc(DEFAULT_MAX_REQUEST_BYTES + 1, 98));
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toContain('request payload too large');
    expect(srv.received).toBe(before);
  });

  it('lets gRPC refuse a message over its receive limit with RESOURCE_EXHAUSTED', async () => {
    const { error } = await invoke(Buffer.alloc(limits.maxReceiveMessageLength + 1, 98));
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('aborts the worker request when the client cancels the call', async () => {
    const aborted = srv.aborted;
    const call = (client.raw as unknown as Record<string, (req: unknown, cb: () => void) => grpc.ClientUnaryCall>)
      .InvokeWorker!({ container_id: ID, owner_id: OWNER, payload: Buffer.from('hang'), timeout_ms: 60_000 }, () => undefined);
    const received = srv.received;
    await until(() => srv.received > received);
    call.cancel();
    await until(() => srv.aborted === aborted + 1);
  });

  it('answers DEADLINE_EXCEEDED at the call deadline and aborts the worker request', async () => {
    const aborted = srv.aborted;
    const { error } = await invoke(Buffer.from('hang'), { deadline: deadlineIn(300) });
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await until(() => srv.aborted === aborted + 1);
  });
});
