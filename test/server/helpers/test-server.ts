/** Starts the real gRPC server on 127.0.0.1:0 around a given supervisor and invoker. */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Invoker, InvokeRequest, InvokeResponse } from '../../../src/invoke/invoke-api.js';
import type { Supervisor } from '../../../src/machines/supervisor-api.js';
import type { RpcHooks } from '../../../src/server/rpc-interceptor.js';
import { createGrpcServer, type AgentGrpcServer } from '../../../src/server/server.js';
import type { TlsOptions } from '../../../src/server/tls.js';
import { connectAgent, type AgentTestClient } from './agent-client.js';

export interface TestServerOptions {
  supervisor: Supervisor;
  invoker?: Invoker;
  log?: Logger;
  tls?: TlsOptions;
  reflection?: boolean;
  hooks?: RpcHooks;
  now?: () => number;
  /** Client credentials; insecure by default. */
  clientCredentials?: grpc.ChannelCredentials;
  clientOptions?: grpc.ChannelOptions;
}

export interface TestServer {
  agent: AgentGrpcServer;
  port: number;
  address: string;
  client: AgentTestClient;
  close(): Promise<void>;
}

export const TLS_OFF: TlsOptions = { disabled: true, certPath: '', keyPath: '', caPath: '' };

/** Binds, marks SERVING and connects a client. `close()` shuts both down. */
export async function startTestServer(opts: TestServerOptions): Promise<TestServer> {
  const agent = createGrpcServer({
    supervisor: opts.supervisor,
    invoker: opts.invoker ?? new ScriptedInvoker(),
    log: opts.log ?? pino({ level: 'silent' }),
    tls: opts.tls ?? TLS_OFF,
    reflection: opts.reflection ?? false,
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    maxSendMessageBytes: 16 * 1024 * 1024,
    hooks: opts.hooks,
    now: opts.now,
  });
  const port = await agent.bind('127.0.0.1', 0);
  agent.setServing(true);
  const address = `127.0.0.1:${port}`;
  const client = connectAgent(address, opts.clientCredentials, opts.clientOptions);
  return {
    agent,
    port,
    address,
    client,
    close: async () => {
      client.close();
      await agent.shutdown(2_000);
    },
  };
}

/** An Invoker that echoes the payload, or fails with `error` when set. */
export class ScriptedInvoker implements Invoker {
  error: unknown;
  readonly requests: InvokeRequest[] = [];

  async invoke(req: InvokeRequest): Promise<InvokeResponse> {
    this.requests.push(req);
    if (this.error) throw this.error;
    return { statusCode: 502, headers: { 'Content-Type': 'application/json', 'X-Amz-Function-Error': 'Unhandled' }, body: req.payload };
  }

  async close(): Promise<void> {}
}
