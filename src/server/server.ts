/**
 * The agent's gRPC server: AgentService, grpc.health.v1.Health (for "" and
 * "esb.agent.v1.AgentService", NOT_SERVING until the composition root says otherwise and again
 * on shutdown), optional reflection, message-size limits, mTLS, and the per-RPC log interceptor.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import type { Logger } from 'pino';
import { AgentError } from '../errors.js';
import type { Invoker } from '../invoke/invoke-api.js';
import type { Supervisor } from '../machines/supervisor-api.js';
import { createAgentHandlers } from './handlers/index.js';
import { AGENT_SERVICE_NAME, LOADER_OPTIONS, loadAgentProto } from './proto.js';
import { rpcInterceptor, type RpcHooks } from './rpc-interceptor.js';
import { loadServerCredentials, type TlsOptions } from './tls.js';

export interface GrpcServerDeps {
  supervisor: Supervisor;
  invoker: Invoker;
  log: Logger;
  tls: TlsOptions;
  /** Credentials already built from `tls` (the composition root checks TLS before anything starts). */
  credentials?: grpc.ServerCredentials | undefined;
  /** `AGENT_GRPC_REFLECTION=1`. */
  reflection: boolean;
  /** Largest request accepted, in bytes (grpc-go's default is 4 MiB). */
  maxReceiveMessageBytes: number;
  /** Largest reply sent, in bytes. */
  maxSendMessageBytes: number;
  /** RPC metrics hooks (optional). */
  hooks?: RpcHooks | undefined;
  /** Wall clock (epoch ms) for `collected_at`. @default Date.now */
  now?: (() => number) | undefined;
}

export interface AgentGrpcServer {
  readonly server: grpc.Server;
  /** Listens on `host:port` (0 = any free port) and resolves to the bound port. @throws AgentError UNAVAILABLE naming the address. */
  bind(host: string, port: number): Promise<number>;
  /** Health status of "" and the AgentService: SERVING or NOT_SERVING. */
  setServing(serving: boolean): void;
  /**
   * NOT_SERVING, then a graceful shutdown that lets in-flight calls finish; after `timeoutMs`
   * the remaining calls are cancelled (their signals abort) and connections closed. Later
   * calls return the first call's promise.
   */
  shutdown(timeoutMs: number): Promise<void>;
}

const HEALTH_NAMES = ['', AGENT_SERVICE_NAME] as const;

/**
 * Builds the server and registers its services. Does not listen yet.
 * @throws AgentError FAILED_PRECONDITION when TLS is on and its files are unusable.
 */
export function createGrpcServer(deps: GrpcServerDeps): AgentGrpcServer {
  const log = deps.log;
  const credentials = deps.credentials ?? loadServerCredentials(deps.tls, log);
  const proto = loadAgentProto();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': deps.maxReceiveMessageBytes,
    'grpc.max_send_message_length': deps.maxSendMessageBytes,
    // Channelz bookkeeping (per-call counters and traces) is work on every RPC that nothing
    // here reads; no channelz service is registered.
    'grpc.enable_channelz': 0,
    interceptors: [rpcInterceptor(log, deps.hooks)],
  });
  server.addService(proto.service, createAgentHandlers(deps));
  const health = new HealthImplementation(Object.fromEntries(HEALTH_NAMES.map((n) => [n, 'NOT_SERVING' as const])));
  health.addToServer(server);
  if (deps.reflection) {
    const healthDefinition = protoLoader.loadSync(healthProtoPath, LOADER_OPTIONS);
    new ReflectionService({ ...proto.packageDefinition, ...healthDefinition }).addToServer(server);
  }
  const setServing = (serving: boolean): void => {
    for (const name of HEALTH_NAMES) health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
  };
  let stopping: Promise<void> | undefined;
  return {
    server,
    bind: (host, port) => bindServer(server, credentials, host, port),
    setServing,
    shutdown: (timeoutMs) => {
      setServing(false);
      return (stopping ??= shutdownServer(server, timeoutMs));
    },
  };
}

/** `host:port` with IPv6 literals bracketed. Pure. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

function bindServer(server: grpc.Server, credentials: grpc.ServerCredentials, host: string, port: number): Promise<number> {
  const address = hostPort(host, port);
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, bound) => {
      if (!err) return resolve(bound);
      reject(new AgentError('UNAVAILABLE', `cannot listen for gRPC on ${address} (AGENT_GRPC_HOST, PORT): ${err.message}`, { cause: err, step: 'grpc' }));
    });
  });
}

function shutdownServer(server: grpc.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, timeoutMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
