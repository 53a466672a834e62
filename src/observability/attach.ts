/**
 * The one entry the composition root calls. Two steps, because the inspection observer must
 * exist before the supervisor's root actor is created, while the HTTP page needs the supervisor:
 *
 *   const obs = await createObservability({ config, log });      // metrics, tracker, inspector relay
 *   const limiter = createLimiter({ limits, onWait: obs.hooks.onLimiterWait });
 *   const server = createServer({ …, onRpcStart: obs.hooks.onRpcStart, onRpcEnd: obs.hooks.onRpcEnd });
 *   const invoker = obs.instrumentInvoker(createInvoker(…));
 *   const supervisor = createSupervisor({ …, inspect: obs.inspect });   // root actor's `inspect`
 *   await obs.serveHttp({ supervisor, workerMachine, limiter, readiness: () => ({ ready, checks }) });
 *   …
 *   await obs.close();
 */
import type { InspectionEvent } from 'xstate';
import type { Invoker } from '../invoke/invoke-api.js';
import type { Supervisor } from '../machines/supervisor-api.js';
import { createObservabilityServer, type ObservabilityHttpServer, type Readiness } from './http-server.js';
import { startStatelyInspection, type StatelyInspection } from './inspector.js';
import { instrumentInvoker } from './instrument-invoker.js';
import type { StateNodeLike } from './machine-graph.js';
import { AGENT_SERVICE, createAgentMetrics, type AgentMetrics } from './metrics.js';
import { createWorkerTracker, type WorkerTracker } from './worker-tracker.js';

/** The AgentService methods, pre-registered at 0 like `grpc_prometheus.Register`. */
export const AGENT_METHODS: readonly string[] = [
  'EnsureContainer', 'DestroyContainer', 'PauseContainer', 'ResumeContainer',
  'ListContainers', 'GetContainerMetrics', 'InvokeWorker',
];

/** The observability part of the agent's config (src/config.ts). */
export interface ObservabilityConfig {
  /** AGENT_HTTP_HOST. @default 127.0.0.1 */
  httpHost: string;
  /** AGENT_HTTP_PORT (defaults to AGENT_METRICS_PORT, 9091); 0 picks a free port. */
  httpPort: number;
  /** AGENT_HTTP_BASIC_AUTH, `user:password`. */
  httpBasicAuth?: string | undefined;
  /** AGENT_INSPECT=1. */
  inspect: boolean;
  /** AGENT_INSPECT_PORT; 0 picks a free port. */
  inspectPort: number;
  /** Interface of the inspector relay. @default 127.0.0.1 */
  inspectHost?: string | undefined;
}

/** A pino-like logger (only what we call). */
export interface ObservabilityLog {
  info(obj: object, msg: string): void;
}

export interface ObservabilityHooks {
  /** gRPC call started (server hook). */
  onRpcStart(service: string, method: string): void;
  /** gRPC call ended with `code` (number, `NOT_FOUND` or `NotFound`) after `seconds`. */
  onRpcEnd(service: string, method: string, code: number | string, seconds: number): void;
  /** The limiter's `onWait(cls, waitedMs)`. */
  onLimiterWait(cls: string, waitedMs: number): void;
}

export interface ServeDeps {
  supervisor: Pick<Supervisor, 'all' | 'lookup'>;
  /** The worker machine definition (`workerMachine`), drawn by the page. */
  workerMachine: { id: string; root: StateNodeLike };
  /** Ready when adoption is done and gRPC is serving. */
  readiness: () => Readiness;
  /** For `esb_agent_limiter_queue_depth`. */
  limiter?: { stats(): Record<string, { queued: number }> } | undefined;
}

export interface Observability {
  readonly metrics: AgentMetrics;
  readonly tracker: WorkerTracker;
  /** The actor system's inspection observer. */
  readonly inspect: (event: InspectionEvent) => void;
  readonly hooks: ObservabilityHooks;
  readonly stately: StatelyInspection | undefined;
  /** Set after `serveHttp`. */
  readonly http: ObservabilityHttpServer | undefined;
  instrumentInvoker(invoker: Invoker): Invoker;
  /** Starts the HTTP server (metrics, health, page). @throws the listen error. */
  serveHttp(deps: ServeDeps): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

export interface CreateObservabilityOptions {
  config: ObservabilityConfig;
  log?: ObservabilityLog | undefined;
  /** Epoch ms. @default Date.now */
  now?: (() => number) | undefined;
  /** Top-level worker states pre-set to 0 in `esb_agent_workers`. */
  knownStates?: readonly string[] | undefined;
}

/** Builds metrics and the tracker, and starts the inspector relay when enabled. */
export async function createObservability(opts: CreateObservabilityOptions): Promise<Observability> {
  const { config } = opts;
  const metrics = createAgentMetrics({ knownStates: opts.knownStates });
  metrics.registerGrpcMethods(AGENT_SERVICE, AGENT_METHODS);
  const tracker = createWorkerTracker({ metrics, now: opts.now });
  const stately = config.inspect ? await startStatelyInspection({ host: config.inspectHost, port: config.inspectPort }) : undefined;
  if (stately) opts.log?.info({ port: stately.port }, 'XState inspection relay listening (AGENT_INSPECT=1)');
  const trackerInspect = tracker.inspect;
  const inspect = stately
    ? (ev: InspectionEvent) => { trackerInspect(ev); stately.inspect(ev); }
    : trackerInspect;
  let http: ObservabilityHttpServer | undefined;
  return {
    metrics, tracker, inspect, stately,
    get http() { return http; },
    hooks: {
      onRpcStart: (service, method) => metrics.rpcStarted(service, method),
      onRpcEnd: (service, method, code, seconds) => metrics.rpcHandled(service, method, code, seconds),
      onLimiterWait: (cls, ms) => metrics.limiterWaited(cls, ms / 1000),
    },
    instrumentInvoker: (invoker) => instrumentInvoker(invoker, metrics),
    async serveHttp(deps) {
      metrics.sources.workerStates = () => deps.supervisor.all().map((v) => v.state);
      metrics.sources.knownStates ??= Object.keys(deps.workerMachine.root.states).filter((s) => s !== 'init');
      const limiter = deps.limiter;
      if (limiter) {
        metrics.sources.limiterQueued = () => Object.fromEntries(Object.entries(limiter.stats()).map(([k, s]) => [k, s.queued]));
      }
      http = createObservabilityServer({
        host: config.httpHost, port: config.httpPort, basicAuth: config.httpBasicAuth,
        metrics, tracker, supervisor: deps.supervisor, machine: deps.workerMachine, readiness: deps.readiness, now: opts.now,
      });
      const addr = await http.listen();
      opts.log?.info({ host: addr.address, port: addr.port }, 'observability HTTP listening (/metrics, /healthz, /readyz, live page at /)');
      return { host: addr.address, port: addr.port };
    },
    async close() {
      await http?.close();
      await stately?.close();
    },
  };
}
