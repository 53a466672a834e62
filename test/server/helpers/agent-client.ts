/**
 * A test client built only from `proto/esb/agent/v1/agent.proto`, as a gateway generated from
 * the Go agent's proto would be, with promise helpers that return either the reply or the error.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('../../../proto/esb/agent/v1/agent.proto', import.meta.url));

type Method =
  | 'EnsureContainer'
  | 'DestroyContainer'
  | 'PauseContainer'
  | 'ResumeContainer'
  | 'ListContainers'
  | 'GetContainerMetrics'
  | 'InvokeWorker';

export interface CallResult<T = Record<string, unknown>> {
  reply?: T;
  error?: grpc.ServiceError;
}

export interface AgentTestClient {
  raw: grpc.Client;
  call<T = any>(method: Method, request: Record<string, unknown>, options?: grpc.CallOptions): Promise<CallResult<T>>;
  /** Like `call` but throws on error. */
  ok<T = any>(method: Method, request: Record<string, unknown>, options?: grpc.CallOptions): Promise<T>;
  close(): void;
}

/** Client constructor for `esb.agent.v1.AgentService`, loaded from the proto file alone. */
export function agentServiceClient(): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  return pkg.esb.agent.v1.AgentService as grpc.ServiceClientConstructor;
}

/** Connects to `address` with the given credentials (insecure by default). */
export function connectAgent(address: string, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}): AgentTestClient {
  const Client = agentServiceClient();
  const raw = new Client(address, credentials, options);
  const call = <T>(method: Method, request: Record<string, unknown>, callOptions: grpc.CallOptions = {}) =>
    new Promise<CallResult<T>>((resolve) => {
      (raw as any)[method](request, callOptions, (error: grpc.ServiceError | null, reply: T) =>
        resolve(error ? { error } : { reply }),
      );
    });
  return {
    raw,
    call,
    ok: async <T>(method: Method, request: Record<string, unknown>, callOptions?: grpc.CallOptions) => {
      const res = await call<T>(method, request, callOptions);
      if (res.error) throw res.error;
      return res.reply as T;
    },
    close: () => raw.close(),
  };
}

/** Seconds from now as a grpc deadline. */
export function deadlineIn(ms: number): Date {
  return new Date(Date.now() + ms);
}
