/**
 * A small stand-in for the real supervisor and worker machine, used by the observability unit
 * tests: a machine with the worker's state names (id `worker`), whose steps are promise actors
 * that resolve on the next tick, created under one root actor so a single `inspect` observer
 * sees the whole system, as in the agent.
 */
import { assign, createActor, fromPromise, setup, type AnyActorRef, type InspectionEvent } from 'xstate';
import { AgentError } from '../../../src/errors.js';
import type { EnsureRequest, Supervisor, WorkerHandle } from '../../../src/machines/supervisor-api.js';
import type { WorkerContext, WorkerView } from '../../../src/machines/worker-types.js';

const step = fromPromise(async () => { await new Promise((r) => setTimeout(r, 1)); });

export const fakeWorkerMachine = setup({
  types: { context: {} as WorkerContext, input: {} as WorkerContext },
  actors: { step },
}).createMachine({
  id: 'worker',
  context: ({ input }) => input,
  initial: 'pulling',
  states: {
    pulling: { invoke: { src: 'step', onDone: 'creating' }, on: { 'worker.destroy': 'destroying' } },
    creating: { invoke: { src: 'step', onDone: 'netSetup' }, on: { 'worker.destroy': 'destroying' } },
    netSetup: {
      invoke: { src: 'step', onDone: { target: 'starting', actions: assign({ ipAddress: () => '10.9.0.2' }) } },
      on: { 'worker.destroy': 'destroying' },
    },
    starting: { invoke: { src: 'step', onDone: 'running' }, on: { 'worker.destroy': 'destroying' } },
    running: {
      on: {
        'worker.pause': 'pausing', 'worker.destroy': 'destroying',
        'worker.touch': { actions: assign({ lastUsedAt: ({ event }) => ('at' in event ? (event.at as number) : 0) }) },
      },
    },
    pausing: { invoke: { src: 'step', onDone: 'paused' } },
    paused: { on: { 'worker.resume': 'resuming', 'worker.destroy': 'destroying' } },
    resuming: { invoke: { src: 'step', onDone: 'running' } },
    destroying: {
      initial: 'network',
      states: {
        network: { invoke: { src: 'step', onDone: 'stopping' } },
        stopping: { invoke: { src: 'step', onDone: 'removing' } },
        removing: { invoke: { src: 'step', onDone: '#worker.destroyed' } },
      },
    },
    destroyed: { type: 'final' },
  },
});

const rootMachine = setup({}).createMachine({ id: 'supervisor' });
const statusOf = (state: string): WorkerView['status'] =>
  state === 'running' ? 'RUNNING' : state === 'paused' ? 'PAUSED' : 'UNKNOWN';
const dotted = (v: unknown): string =>
  typeof v === 'string' ? v : Object.entries(v as object).map(([k, c]) => `${k}.${dotted(c)}`)[0] ?? '';

export interface FakeSupervisor extends Supervisor {
  stop(): void;
}

/** Builds the fake system; `inspect` sees every actor. */
export function createFakeSupervisor(inspect?: (e: InspectionEvent) => void, now: () => number = Date.now): FakeSupervisor {
  const root = createActor(rootMachine, inspect ? { inspect } : {});
  root.start();
  const workers = new Map<string, AnyActorRef>();
  let n = 0;
  const viewOf = (ref: AnyActorRef): WorkerView => {
    const snap = ref.getSnapshot() as { value: unknown; context: WorkerContext };
    const c = snap.context;
    const state = dotted(snap.value);
    return {
      name: c.spec.name, containerId: c.containerId, functionName: c.spec.functionName, ownerId: c.spec.ownerId,
      image: c.spec.image, state, status: statusOf(state), ipAddress: c.ipAddress, port: c.port,
      createdAt: c.createdAt, lastUsedAt: c.lastUsedAt, origin: c.origin,
    };
  };
  const waitState = (ref: AnyActorRef, ok: (s: string) => boolean): Promise<void> => new Promise((resolve) => {
    const check = (): boolean => { if (ok(dotted(ref.getSnapshot().value)) || ref.getSnapshot().status === 'done') { resolve(); return true; } return false; };
    if (check()) return;
    const sub = ref.subscribe({ next: () => { if (check()) sub.unsubscribe(); }, complete: () => resolve() });
  });
  const handle = (ref: AnyActorRef): WorkerHandle => ({
    name: viewOf(ref).name,
    view: () => viewOf(ref),
    context: () => ref.getSnapshot().context as WorkerContext,
    can: (c) => ref.getSnapshot().can({ type: `worker.${c}`, requestId: 'x', at: 0 }),
    async command(c) {
      ref.send({ type: `worker.${c}`, requestId: `r${++n}`, at: now() });
      const target = c === 'pause' ? 'paused' : c === 'resume' ? 'running' : 'destroyed';
      await waitState(ref, (s) => s === target);
    },
    touch: () => ref.send({ type: 'worker.touch', at: now() }),
    waitFor: async () => viewOf(ref),
    subscribe: () => () => undefined,
    metrics: async () => ({ state: viewOf(ref).status, memoryCurrent: 12582912n, memoryMax: 134217728n, oomEvents: 0n, cpuUsageNs: 420000000n, exitCode: 0, exitTime: 0, restartCount: 0 }),
  });
  const find = (id: string, owner: string): AnyActorRef => {
    const ref = [...workers.values()].find((r) => { const v = viewOf(r); return v.name === id || v.containerId === id; });
    if (!ref) throw new AgentError('NOT_FOUND', `container ${id} not found`);
    if (viewOf(ref).ownerId !== owner) throw new AgentError('PERMISSION_DENIED', 'not yours');
    return ref;
  };
  return {
    async ensure(req: EnsureRequest) {
      const name = `esb-test-${req.functionName}-${(++n).toString(16).padStart(8, '0')}`;
      const at = now();
      const input = {
        spec: { name, functionName: req.functionName, image: req.image, env: req.env, ownerId: req.ownerId, labels: {} },
        networkPhase: 'beforeStart', stopGraceMs: 1000, origin: 'created', containerId: name, ipAddress: '', port: 8080,
        createdAt: at, lastUsedAt: at, held: { container: false, network: false, started: false }, oomKilled: false, destroyRequests: [],
      } as WorkerContext;
      const ref = createActor(fakeWorkerMachine, { parent: root, input } as never) as unknown as AnyActorRef;
      workers.set(name, ref);
      ref.subscribe({ complete: () => workers.delete(name) });
      ref.start();
      await waitState(ref, (s) => s === 'running');
      return viewOf(ref);
    },
    lookup: (id, owner) => handle(find(id, owner)),
    async destroy(id, owner) {
      let ref: AnyActorRef;
      try { ref = find(id, owner); } catch (e) { if (e instanceof AgentError && e.code === 'NOT_FOUND') return; throw e; }
      await handle(ref).command('destroy');
    },
    list: (owner) => [...workers.values()].map(viewOf).filter((v) => v.ownerId === owner),
    all: () => [...workers.values()].map(viewOf),
    get size() { return workers.size; },
    stop() { root.stop(); },
  };
}
