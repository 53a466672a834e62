/** A supervisor on the simulated runtime with the real runtime actors and limiter, for tests. */
import type { InspectionEvent } from 'xstate';
import { AgentError } from '../../src/errors.js';
import { createSupervisor, type WorkerSupervisor } from '../../src/machines/supervisor.js';
import type { EnsureRequest } from '../../src/machines/supervisor-api.js';
import { workerMachine } from '../../src/machines/worker-machine.js';
import { runtimeActors, type RuntimeActorsOptions } from '../../src/runtime/actors.js';
import type { WorkerSpec } from '../../src/runtime/container-runtime.js';
import { createLimiter, type Limiter } from '../../src/runtime/limiter.js';
import { SimulatedRuntime, type SimulatedRuntimeOptions } from '../../src/runtime/simulated/simulated-runtime.js';

export interface Harness {
  runtime: SimulatedRuntime;
  limiter: Limiter;
  sup: WorkerSupervisor;
  /** Destroys what is left, stops the actors, closes the runtime. */
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  runtime?: SimulatedRuntimeOptions;
  actors?: RuntimeActorsOptions;
  inspect?: (e: InspectionEvent) => void;
  limit?: number;
  /** Start of the deterministic epoch-ms clock (advances by 1 per reading). */
  t0?: number;
  /** The supervisor's `readiness` option. */
  readiness?: boolean;
}

/** A deterministic spec builder: `esb-test-<fn>-<8hex counter>`; rejects names that cannot be valid. */
export function testSpecBuilder(brand = 'esb', env = 'test') {
  let n = 0;
  return (req: EnsureRequest): WorkerSpec => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(req.functionName)) {
      throw new AgentError('INVALID_ARGUMENT', `function_name ${JSON.stringify(req.functionName)} cannot form a container name`);
    }
    n += 1;
    const name = `${brand}-${env}-${req.functionName}-${n.toString(16).padStart(8, '0')}`;
    return {
      name, functionName: req.functionName, image: req.image.trim(), env: req.env, ownerId: req.ownerId,
      labels: { 'esb.function': req.functionName, 'esb.owner': req.ownerId },
    };
  };
}

export function harness(o: HarnessOptions = {}): Harness {
  let t = o.t0 ?? 1_700_000_000_000;
  const now = () => t++;
  let req = 0;
  const runtime = new SimulatedRuntime({ now, ...o.runtime });
  const limit = o.limit ?? 4;
  const limiter = createLimiter({ limits: { pull: limit, create: limit, network: limit, start: limit, destroy: limit } });
  const sup = createSupervisor({
    workerLogic: workerMachine.provide({ actors: runtimeActors(runtime, limiter, o.actors) }),
    networkPhase: runtime.info.networkPhase,
    buildSpec: testSpecBuilder(),
    now,
    newRequestId: () => `req-${++req}`,
    stopGraceMs: 10,
    metrics: (name, opts) => runtime.metrics(name, opts),
    runtimeEvents: runtime,
    inspect: o.inspect,
    readiness: o.readiness,
  });
  return {
    runtime, limiter, sup,
    async cleanup() {
      runtime.release();
      await sup.destroyAll();
      sup.close();
      await runtime.close();
    },
  };
}

export const request = (over: Partial<EnsureRequest> = {}): EnsureRequest =>
  ({ functionName: 'echo', image: '127.0.0.1:5000/esb/echo:latest', env: {}, ownerId: 'owner-a', ...over });

/** Polls `cond` on the event loop (no fixed sleeps) until it holds; throws after `ms`. */
export async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
