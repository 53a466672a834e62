/**
 * The composition root: the one place where the agent's parts are built and wired, in startup
 * order: config → logger → identity → observability → runtime → limiter → runtime actors →
 * worker machine → supervisor (+ journal, adoption) → invoker → gRPC server → HTTP → SERVING.
 * Nothing else constructs singletons or reads the environment; `src/cli.ts` passes it in.
 * Tests start a whole agent in-process with {@link startAgent}.
 */
import { randomUUID } from 'node:crypto';
import type { ServerCredentials } from '@grpc/grpc-js';
import type { DestinationStream, Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import { loadConfig, type Config } from './config.js';
import { containerName, parseMemoryLimit, workerLabels, type StackIdentity } from './identity.js';
import type { Invoker } from './invoke/invoke-api.js';
import { createInvoker } from './invoke/invoker.js';
import { openJournalFile } from './journal/journal-file.js';
import { createJournalRecorder } from './journal/recorder.js';
import { createLogger } from './log.js';
import { createSupervisor, type WorkerSupervisor } from './machines/supervisor.js';
import type { EnsureRequest } from './machines/supervisor-api.js';
import { workerMachine, type ReadyInput } from './machines/worker-machine.js';
import { createObservability, type Observability } from './observability/attach.js';
import { runtimeActors } from './runtime/actors.js';
import type { ContainerRuntime, WorkerSpec } from './runtime/container-runtime.js';
import { createLimiter, type Limiter } from './runtime/limiter.js';
import { gracefulShutdown, startRecovery, type ReconcileLoop } from './recovery/index.js';
import { selectRuntime, type RuntimeOverrides } from './runtime/select-runtime.js';
import { waitForTcp } from './runtime/tcp-ready.js';
import type { RpcHooks } from './server/rpc-interceptor.js';
import { createGrpcServer, type AgentGrpcServer } from './server/server.js';
import { loadServerCredentials, type TlsOptions } from './server/tls.js';

export interface StartAgentOptions {
  /** Aborting it stops the agent (like SIGTERM). */
  signal?: AbortSignal | undefined;
  /** Use this runtime instead of the one `AGENT_RUNTIME` selects (tests, embedding); the caller closes it. */
  runtime?: ContainerRuntime | undefined;
  /** Wrap or replace the invoke proxy (e.g. a fake in tests). */
  invoker?: ((built: Invoker) => Invoker) | undefined;
  /** Extra RPC hooks, called after the metrics hooks. */
  rpcHooks?: RpcHooks | undefined;
  /** Where log lines go. @default stderr */
  logDestination?: DestinationStream | undefined;
  /** Extra inspection observer (journal tests, tools). */
  inspect?: ((event: InspectionEvent) => void) | undefined;
  /** Host paths of the selected runtime moved away from their defaults (tests, embedding). */
  runtimeOverrides?: RuntimeOverrides | undefined;
}

export interface RunningAgent {
  readonly config: Config;
  readonly log: Logger;
  readonly runtime: ContainerRuntime;
  readonly supervisor: WorkerSupervisor;
  readonly grpcPort: number;
  /** Port of the metrics/status HTTP listener. */
  readonly httpPort: number | undefined;
  /**
   * Health NOT_SERVING, graceful gRPC shutdown bounded by `AGENT_SHUTDOWN_TIMEOUT` then forced,
   * workers kept or destroyed per `AGENT_SHUTDOWN_POLICY`, everything closed. Idempotent.
   */
  stop(reason?: string): Promise<void>;
}

type Closer = () => Promise<void> | void;
type Inspect = (event: InspectionEvent) => void;

/**
 * Starts the agent configured by `env`. Resolves once gRPC is SERVING.
 * @throws ConfigError naming the variable; AgentError for runtime/TLS/listen failures (whatever
 *   was already started is closed again before the error is thrown).
 */
export async function startAgent(env: Readonly<Record<string, string | undefined>>, opts: StartAgentOptions = {}): Promise<RunningAgent> {
  const startedAt = Date.now(); // [recovery hook]
  const config = loadConfig(env);
  const log = createLogger(config, opts.logDestination);
  for (const warning of config.warnings) log.warn(warning);
  const credentials = loadServerCredentials(tlsOptions(config), log.child({ component: 'grpc' }));
  const closers: Closer[] = [];
  try {
    return await assemble(config, log, credentials, opts, closers, startedAt);
  } catch (err) {
    await closeAll(closers, log);
    throw err;
  }
}

async function assemble(
  config: Config, log: Logger, credentials: ServerCredentials, opts: StartAgentOptions, closers: Closer[], startedAt: number,
): Promise<RunningAgent> {
  const obs = await createObservability({ config: observabilityConfig(config), log: log.child({ component: 'observability' }) });
  closers.push(() => obs.close());
  const runtime = opts.runtime ?? (await createRuntime(config, log, opts.runtimeOverrides));
  if (!opts.runtime) closers.push(() => runtime.close());
  const journal = await openJournal(config, log);
  if (journal) closers.push(journal.close);
  const limiter = createLimiter({ limits: config.limits, onWait: obs.hooks.onLimiterWait });
  const observers = [obs.inspect, journal?.inspect, opts.inspect].filter((o): o is Inspect => o !== undefined);
  const supervisor = buildSupervisor(config, log, runtime, limiter, observers);
  closers.push(() => supervisor.close());
  // [recovery hook] start-up cleanup + adoption before serving; reconcile loop; Destroy of unknown ids.
  const recovery = await startRecovery({ config, log, runtime, supervisor, startedAt });
  closers.push(() => recovery.reconcile.stop());
  const invoker = buildInvoker(config, log, supervisor, obs, opts);
  closers.push(() => invoker.close());
  const grpc = createGrpcServer({
    supervisor: recovery.serverSupervisor, invoker, log: log.child({ component: 'grpc' }), hooks: chainHooks(obs.hooks, opts.rpcHooks),
    tls: tlsOptions(config), credentials,
    reflection: config.grpc.reflection,
    maxReceiveMessageBytes: config.grpc.maxReceiveBytes,
    maxSendMessageBytes: config.grpc.maxSendBytes,
  });
  closers.push(() => grpc.shutdown(0));
  const grpcPort = await grpc.bind(config.grpc.host, config.grpc.port);
  let serving = false;
  const http = await obs.serveHttp({
    supervisor, workerMachine, limiter,
    readiness: () => ({ ready: serving, checks: { adoption: true, grpc: serving } }),
  });
  grpc.setServing(true);
  serving = true;
  log.info({ grpcPort, httpPort: http.port, runtime: runtime.info.kind, tls: !config.tls.disabled }, 'agent ready');
  const stop = once((reason?: string) => shutdown(config, log, grpc, supervisor, closers, () => (serving = false), recovery.reconcile, reason));
  if (opts.signal?.aborted) void stop('abort signal');
  opts.signal?.addEventListener('abort', () => void stop('abort signal'), { once: true });
  return { config, log, runtime, supervisor, grpcPort, httpPort: http.port, stop: (reason) => stop(reason) };
}

/** The invoke proxy (contract §4), wrapped by the metrics and by `opts.invoker` when given. */
function buildInvoker(config: Config, log: Logger, supervisor: WorkerSupervisor, obs: Observability, opts: StartAgentOptions): Invoker {
  const proxy = createInvoker({
    supervisor,
    options: {
      maxResponseBytes: config.invoke.maxResponseBytes,
      maxRequestBytes: config.invoke.maxRequestBytes,
      autoResume: config.invoke.autoResume,
    },
    log: log.child({ component: 'invoke' }),
  });
  return obs.instrumentInvoker(opts.invoker ? opts.invoker(proxy) : proxy);
}

function tlsOptions(config: Config): TlsOptions {
  return { disabled: config.tls.disabled, certPath: config.tls.certPath, keyPath: config.tls.keyPath, caPath: config.tls.caCertPath };
}

/** Worker machine with the runtime actors, limiter and supervisor; every actor is observed. */
function buildSupervisor(config: Config, log: Logger, runtime: ContainerRuntime, limiter: Limiter, observers: Inspect[]): WorkerSupervisor {
  const waitReady = config.worker.readinessWait && runtime.info.kind !== 'simulated'
    ? (input: ReadyInput, signal: AbortSignal) => waitForTcp(input, config.worker.readinessTimeoutMs, signal)
    : undefined;
  return createSupervisor({
    workerLogic: workerMachine.provide({ actors: runtimeActors(runtime, limiter, { waitReady }) }),
    readiness: waitReady !== undefined,
    networkPhase: runtime.info.networkPhase,
    buildSpec: specBuilder(config.identity, log),
    now: Date.now,
    newRequestId: randomUUID,
    stopGraceMs: config.worker.stopGraceMs,
    metrics: (name, callOpts) => runtime.metrics(name, callOpts),
    runtimeEvents: runtime,
    inspect: (event) => observers.forEach((observe) => observe(event)),
    onWorkerError: (name, err) => log.error({ err, worker: name }, 'worker actor crashed'),
  });
}

/**
 * With AGENT_JOURNAL: every event delivered to every worker actor and each resulting state,
 * appended as JSONL (read back by `esb-agent replay`). Closing flushes the file.
 * @throws the fs error when the file cannot be opened.
 */
async function openJournal(config: Config, log: Logger): Promise<{ inspect: Inspect; close: () => Promise<void> } | undefined> {
  const path = config.journal.path;
  if (!path) return undefined;
  const file = await openJournalFile(path, { onError: (err) => log.warn({ err, path }, 'journal write failed') });
  const recorder = createJournalRecorder({ sink: (line) => file.write(line), now: Date.now });
  log.info({ path }, 'recording the worker journal (AGENT_JOURNAL)');
  return {
    inspect: recorder.inspect,
    close: async () => {
      await file.close();
      if (file.dropped > 0) log.warn({ path, dropped: file.dropped }, 'journal lines dropped (disk too slow)');
    },
  };
}

// ---- Runtime selection: adapters plug in here ------------------------------------------------
// Each adapter gets an options object built from `config` (src/runtime/select-runtime.ts; no
// adapter reads the environment). `auto`: containerd when its socket answers, else dockerd.
function createRuntime(config: Config, log: Logger, overrides: RuntimeOverrides | undefined): Promise<ContainerRuntime> {
  return selectRuntime(config, log, overrides);
}

/** Worker specs: name `{brand}-{env}-{function}-{8hex}`, the five labels, the memory limit. */
function specBuilder(identity: StackIdentity, log: Logger): (req: EnsureRequest) => WorkerSpec {
  return (req) => {
    const name = containerName(identity, req.functionName);
    const memory = parseMemoryLimit(req.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']);
    if (memory.warning) log.warn({ worker: name }, memory.warning);
    return {
      name, functionName: req.functionName, image: req.image, env: req.env, ownerId: req.ownerId,
      labels: workerLabels(identity, req.functionName, req.ownerId), memoryLimitBytes: memory.bytes,
    };
  };
}

async function shutdown(
  config: Config, log: Logger, grpc: AgentGrpcServer, supervisor: WorkerSupervisor, closers: Closer[], notReady: () => void,
  reconcile: ReconcileLoop, reason?: string,
): Promise<void> {
  log.info({ reason, policy: config.shutdown.policy }, 'agent stopping');
  // [recovery hook] bounded drain, then keep (settled) or destroy (paused resumed first).
  await gracefulShutdown({
    grpc, supervisor, policy: config.shutdown.policy, timeoutMs: config.shutdown.timeoutMs,
    log: log.child({ component: 'shutdown' }), notReady, stopBackground: () => reconcile.stop(),
  });
  await closeAll(closers, log);
  log.info('agent stopped');
}

/** Runs closers in reverse order; a failing closer is logged and the rest still run. */
async function closeAll(closers: Closer[], log: Logger): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (err) {
      log.warn({ err }, 'error while closing');
    }
  }
}

function observabilityConfig(config: Config) {
  const auth = config.http.basicAuth;
  return {
    httpHost: config.http.host,
    httpPort: config.http.port,
    httpBasicAuth: auth ? `${auth.user}:${auth.password}` : undefined,
    inspect: config.inspect.enabled,
    inspectPort: config.inspect.port,
  };
}

function chainHooks(first: RpcHooks, second: RpcHooks | undefined): RpcHooks {
  if (!second) return first;
  return {
    onRpcStart: (s, m) => { first.onRpcStart?.(s, m); second.onRpcStart?.(s, m); },
    onRpcEnd: (s, m, c, t) => { first.onRpcEnd?.(s, m, c, t); second.onRpcEnd?.(s, m, c, t); },
  };
}

function once<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let running: Promise<void> | undefined;
  return (...args) => (running ??= fn(...args));
}
