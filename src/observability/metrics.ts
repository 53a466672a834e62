/**
 * The agent's Prometheus metrics on its own prom-client Registry (never the global default, so
 * two agents in one process — tests, benches — do not collide). Three groups:
 * - process/Node metrics from `collectDefaultMetrics` (`process_*`, `nodejs_*`);
 * - gRPC server metrics named and labelled exactly like go-grpc-prometheus v1.2.0, which the
 *   Go agent exported and the gateway's tests check (contract §5.3);
 * - `esb_agent_*`: workers, transitions, lifecycle phases, limiter, invoke, pulls.
 * Every metric is documented in docs/observability.md.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { goCodeName, GO_CODE_NAMES } from './grpc-codes.js';

/** The service name the gRPC labels carry. */
export const AGENT_SERVICE = 'esb.agent.v1.AgentService';

/** prometheus.DefBuckets, which go-grpc-prometheus uses for `grpc_server_handling_seconds`. */
export const GO_DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Lifecycle phases run from milliseconds (simulated) to minutes (a cold pull). */
export const PHASE_BUCKETS: readonly number[] = [...GO_DEFAULT_BUCKETS, 30, 60, 120, 300];
export const BYTE_BUCKETS: readonly number[] = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];

/** The lifecycle phases timed by `esb_agent_lifecycle_phase_seconds`. */
export type LifecyclePhase = 'pull' | 'create' | 'netSetup' | 'start' | 'ready' | 'pause' | 'resume' | 'destroy' | 'rollback';

/** Live sources read at scrape time (set by `attachObservability`). */
export interface MetricSources {
  /** Machine state (dotted) of every live worker. */
  workerStates?: (() => Iterable<string>) | undefined;
  /** Queued operations per limiter class. */
  limiterQueued?: (() => Record<string, number>) | undefined;
  /** Top-level states always exported (0 when empty); overrides `MetricsOptions.knownStates`. */
  knownStates?: readonly string[] | undefined;
}

export interface AgentMetrics {
  readonly registry: Registry;
  readonly sources: MetricSources;
  /** Pre-initialises every method's counters at 0, as `grpc_prometheus.Register(server)` does. */
  registerGrpcMethods(service: string, methods: readonly string[]): void;
  /** A unary call arrived (started_total and msg_received_total). Never throws. */
  rpcStarted(service: string, method: string): void;
  /** A unary call ended with `code` (number, `NOT_FOUND` or `NotFound`) after `seconds`. */
  rpcHandled(service: string, method: string, code: number | string, seconds: number): void;
  workerTransition(from: string, to: string): void;
  phaseObserved(phase: LifecyclePhase, seconds: number): void;
  limiterWaited(cls: string, seconds: number): void;
  invokeObserved(seconds: number, requestBytes: number, responseBytes: number): void;
  pullsInFlight(n: number): void;
  pullBytes(n: number): void;
  /** Prometheus text exposition (version 0.0.4). */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Top-level worker states pre-set to 0 in `esb_agent_workers` (from the machine definition). */
  knownStates?: readonly string[] | undefined;
  /** Off in tests that only look at our own series. @default true */
  defaultMetrics?: boolean | undefined;
}

interface GrpcLabels { grpc_type: string; grpc_service: string; grpc_method: string }
interface MethodLabels { base: GrpcLabels; byCode: Map<string, GrpcLabels & { grpc_code: string }> }

/** Service/method label sets remembered (a server has a few dozen methods; this only bounds the map). */
const MAX_LABEL_SETS = 1024;

/** Builds the registry and every metric. Pure apart from prom-client's default collectors. */
export function createAgentMetrics(opts: MetricsOptions = {}): AgentMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const sources: MetricSources = {};
  const grpc = grpcMetrics(registry);
  const ours = agentMetrics(registry, sources, opts.knownStates ?? []);
  // Label objects per service/method (and per code), made once: every RPC uses them.
  const methodLabels = new Map<string, Map<string, MethodLabels>>();
  let labelSets = 0;
  const labelsOf = (service: string, method: string): MethodLabels => {
    let methods = methodLabels.get(service);
    let entry = methods?.get(method);
    if (entry === undefined) {
      entry = { base: { grpc_type: 'unary', grpc_service: service, grpc_method: method }, byCode: new Map() };
      if (labelSets < MAX_LABEL_SETS) {
        labelSets++;
        if (methods === undefined) methodLabels.set(service, (methods = new Map()));
        methods.set(method, entry);
      }
    }
    return entry;
  };
  const requestLabels = { direction: 'request' } as const;
  const responseLabels = { direction: 'response' } as const;
  return {
    registry,
    sources,
    contentType: registry.contentType,
    registerGrpcMethods(service, methods) {
      for (const method of methods) {
        const base = { grpc_type: 'unary', grpc_service: service, grpc_method: method };
        grpc.started.inc(base, 0);
        grpc.received.inc(base, 0);
        grpc.sent.inc(base, 0);
        for (const code of GO_CODE_NAMES) grpc.handled.inc({ ...base, grpc_code: code }, 0);
      }
    },
    rpcStarted(service, method) {
      const labels = labelsOf(service, method).base;
      grpc.started.inc(labels);
      grpc.received.inc(labels);
    },
    rpcHandled(service, method, code, seconds) {
      const entry = labelsOf(service, method);
      const labels = entry.base;
      const name = goCodeName(code);
      if (name === 'OK') grpc.sent.inc(labels);
      let handled = entry.byCode.get(name);
      if (handled === undefined) entry.byCode.set(name, (handled = { ...labels, grpc_code: name }));
      grpc.handled.inc(handled);
      grpc.seconds.observe(labels, Math.max(0, seconds));
    },
    workerTransition: (from, to) => ours.transitions.inc({ from, to }),
    phaseObserved: (phase, seconds) => ours.phase.observe({ phase }, Math.max(0, seconds)),
    limiterWaited: (cls, seconds) => ours.limiterWait.observe({ class: cls }, Math.max(0, seconds)),
    invokeObserved(seconds, requestBytes, responseBytes) {
      ours.invokeSeconds.observe(Math.max(0, seconds));
      ours.invokeBytes.observe(requestLabels, requestBytes);
      ours.invokeBytes.observe(responseLabels, responseBytes);
    },
    pullsInFlight: (n) => ours.pullsInFlight.set(n),
    pullBytes: (n) => { if (n > 0) ours.pullBytes.inc(n); },
    render: () => registry.metrics(),
  };
}

function grpcMetrics(registry: Registry) {
  const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
  const registers = [registry];
  return {
    started: new Counter({ name: 'grpc_server_started_total', help: 'Total number of RPCs started on the server.', labelNames, registers }),
    handled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: [...labelNames, 'grpc_code'] as const,
      registers,
    }),
    received: new Counter({ name: 'grpc_server_msg_received_total', help: 'Total number of RPC stream messages received on the server.', labelNames, registers }),
    sent: new Counter({ name: 'grpc_server_msg_sent_total', help: 'Total number of gRPC stream messages sent by the server.', labelNames, registers }),
    seconds: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
      labelNames,
      buckets: [...GO_DEFAULT_BUCKETS],
      registers,
    }),
  };
}

function agentMetrics(registry: Registry, sources: MetricSources, knownStates: readonly string[]) {
  const registers = [registry];
  return {
    workers: new Gauge({
      name: 'esb_agent_workers', help: 'Live workers by top-level machine state.', labelNames: ['state'] as const, registers,
      collect() {
        const counts = new Map<string, number>((sources.knownStates ?? knownStates).map((s) => [s, 0]));
        for (const state of sources.workerStates?.() ?? []) {
          const top = state.split('.')[0] ?? state;
          counts.set(top, (counts.get(top) ?? 0) + 1);
        }
        this.reset();
        for (const [state, n] of counts) this.set({ state }, n);
      },
    }),
    transitions: new Counter({
      name: 'esb_agent_worker_transitions_total', help: 'Worker state changes by from/to state (dotted paths; from="none" at spawn).',
      labelNames: ['from', 'to'] as const, registers,
    }),
    phase: new Histogram({
      name: 'esb_agent_lifecycle_phase_seconds', help: 'Time a worker spent in each lifecycle phase.',
      labelNames: ['phase'] as const, buckets: [...PHASE_BUCKETS], registers,
    }),
    limiterDepth: new Gauge({
      name: 'esb_agent_limiter_queue_depth', help: 'Operations waiting for a limiter slot, per operation class.',
      labelNames: ['class'] as const, registers,
      collect() {
        const queued = sources.limiterQueued?.();
        if (!queued) return;
        for (const [cls, n] of Object.entries(queued)) this.set({ class: cls }, n);
      },
    }),
    limiterWait: new Histogram({
      name: 'esb_agent_limiter_wait_seconds', help: 'Time an operation waited for a limiter slot, per class.',
      labelNames: ['class'] as const, buckets: [...PHASE_BUCKETS], registers,
    }),
    invokeSeconds: new Histogram({
      name: 'esb_agent_invoke_seconds', help: 'InvokeWorker proxy latency (request sent to response read).',
      buckets: [...PHASE_BUCKETS], registers,
    }),
    invokeBytes: new Histogram({
      name: 'esb_agent_invoke_bytes', help: 'InvokeWorker body sizes by direction (request, response).',
      labelNames: ['direction'] as const, buckets: [...BYTE_BUCKETS], registers,
    }),
    pullsInFlight: new Gauge({ name: 'esb_agent_pulls_in_flight', help: 'Workers currently in the pulling state.', registers }),
    pullBytes: new Counter({ name: 'esb_agent_pull_bytes_total', help: 'Image bytes fetched by pulls (from pull progress).', registers }),
  };
}
