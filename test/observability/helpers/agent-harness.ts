/**
 * The agent assembled in-process the way the composition root does it, on the simulated
 * runtime: observability first (its `inspect` goes to the supervisor's root actor), then the
 * limiter with its wait hook, the supervisor, the real gRPC server with the RPC hooks, and the
 * observability HTTP server. For the page, metrics and bench tests.
 */
import { pino } from 'pino';
import type { InspectionEvent } from 'xstate';
import { createObservability, type Observability, type ObservabilityConfig } from '../../../src/observability/attach.js';
import { createSupervisor, type WorkerSupervisor } from '../../../src/machines/supervisor.js';
import { workerMachine } from '../../../src/machines/worker-machine.js';
import { runtimeActors } from '../../../src/runtime/actors.js';
import { createLimiter } from '../../../src/runtime/limiter.js';
import { SimulatedRuntime, type SimulatedRuntimeOptions } from '../../../src/runtime/simulated/simulated-runtime.js';
import { testSpecBuilder } from '../../machines/sim-harness.js';
import { ScriptedInvoker, startTestServer, type TestServer } from '../../server/helpers/test-server.js';

export interface AgentHarness {
  obs: Observability;
  sup: WorkerSupervisor;
  runtime: SimulatedRuntime;
  grpc: TestServer;
  /** Base URL of the observability HTTP server. */
  http: string;
  close(): Promise<void>;
}

export interface AgentHarnessOptions {
  inspect?: boolean | undefined;
  runtime?: SimulatedRuntimeOptions | undefined;
  /** Serve the HTTP page (default true). */
  http?: boolean | undefined;
  /** Replaces the observer given to the supervisor (the bench switches modes with it). */
  inspectFor?: ((obs: Observability) => (event: InspectionEvent) => void) | undefined;
}

/** Starts everything on loopback with free ports. */
export async function startAgentHarness(o: AgentHarnessOptions = {}): Promise<AgentHarness> {
  const config: ObservabilityConfig = { httpHost: '127.0.0.1', httpPort: 0, inspect: o.inspect ?? false, inspectPort: 0 };
  const obs = await createObservability({ config });
  const runtime = new SimulatedRuntime({ ...o.runtime });
  const limiter = createLimiter({ limits: { pull: 3, create: 8, network: 8, start: 8, destroy: 8 }, onWait: obs.hooks.onLimiterWait });
  let req = 0;
  const sup = createSupervisor({
    workerLogic: workerMachine.provide({ actors: runtimeActors(runtime, limiter) }),
    networkPhase: runtime.info.networkPhase,
    buildSpec: testSpecBuilder('esb', 'obs'),
    now: Date.now,
    newRequestId: () => `req-${++req}`,
    stopGraceMs: 10,
    metrics: (name, opts) => runtime.metrics(name, opts),
    runtimeEvents: runtime,
    inspect: o.inspectFor ? o.inspectFor(obs) : obs.inspect,
  });
  // The echo invoker stands in for the HTTP proxy; wrapped as main.ts wraps the real one.
  const invoker = obs.instrumentInvoker(new ScriptedInvoker());
  const grpc = await startTestServer({ supervisor: sup, invoker, log: pino({ level: 'silent' }), hooks: obs.hooks });
  let http = '';
  if (o.http !== false) {
    const addr = await obs.serveHttp({ supervisor: sup, workerMachine, limiter, readiness: () => ({ ready: true, checks: { adoption: true, grpc: true } }) });
    http = `http://127.0.0.1:${addr.port}`;
  }
  return {
    obs, sup, runtime, grpc, http,
    async close() {
      await grpc.close();
      await sup.destroyAll();
      sup.close();
      await runtime.close();
      await obs.close();
    },
  };
}
