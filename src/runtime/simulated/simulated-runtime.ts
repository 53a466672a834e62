/**
 * The simulated runtime: an in-memory, deterministic {@link ContainerRuntime} for unit,
 * replay and scale tests (selected by `AGENT_RUNTIME=simulated`, never by default).
 *
 * - Each operation waits its scripted latency (0 by default, through the injected `sleep`),
 *   then consumes a matching fault (fail / hang), then applies its effect atomically.
 * - Every operation honours its AbortSignal: aborted before or during the wait it rejects
 *   with a CANCELLED AgentError and changes nothing.
 * - It is strict where a real daemon is: create needs the image, remove refuses a container
 *   whose process runs, pause needs a running container, resume a paused one. It is
 *   idempotent where the interface says so: teardownNetwork, stop, remove of unknown = done.
 * - `remove` does NOT release an IP lease (like CNI): a missing `teardownNetwork` shows up as a
 *   leak in {@link SimulatedRuntime.snapshotState}.
 * - Runtime events are emitted only for exits the agent did not ask for (`exit`, `oom`), never
 *   for `stop`.
 * - With `endpoints`, each worker gets an HTTP echo endpoint on its loopback IP (see
 *   `echo-endpoint.ts`), bound at `setupNetwork` (so the address is known to be free before it
 *   is reported), serving after `start`, holding requests while paused, closed on stop/exit.
 */
import { createHash } from 'node:crypto';
import { AgentError, toAgentError } from '../../errors.js';
import type {
  ContainerRuntime, CreatedContainer, EnsureImageOptions, ImageInfo, ManagedContainer, NetworkAttachment,
  OpOptions, RuntimeEvent, RuntimeEventListener, RuntimeInfo, RuntimeMetrics, StopOptions, WorkerSpec,
} from '../container-runtime.js';
import { FaultPlan, SIM_OPS, type FailSpec, type FaultMatch, type FaultTarget, type HangSpec, type SimOp } from './fault-plan.js';
import type { EndpointInfo, SeedContainer, SimCall, SimulatedRuntimeOptions } from './sim-options.js';
import { cancelled, defaultSleep } from './sim-sleep.js';
import { HangRegistry } from './hang-registry.js';
import { SimEndpoints } from './sim-endpoints.js';
import { newContainer, simMetrics, toManaged, type SimContainer, type SimStateSnapshot } from './sim-state.js';

const MiB = 1024 * 1024;

export class SimulatedRuntime implements ContainerRuntime {
  readonly info: RuntimeInfo = { kind: 'simulated', version: 'sim-1', networkPhase: 'beforeStart' };
  readonly faults: FaultPlan;
  readonly #containers = new Map<string, SimContainer>();
  readonly #images: Set<string>;
  readonly #digests = new Map<string, string>();
  readonly #listeners = new Set<RuntimeEventListener>();
  readonly #hangs = new HangRegistry();
  readonly #net: SimEndpoints;
  readonly #latency: Partial<Record<SimOp, number>>;
  readonly #calls = Object.fromEntries(SIM_OPS.map((op) => [op, 0])) as Record<SimOp, number>;
  readonly #log: SimCall[] | undefined;
  readonly #opts: SimulatedRuntimeOptions;
  readonly #now: () => number;
  #closed = false;

  constructor(options: SimulatedRuntimeOptions = {}) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.#latency = { ...options.latencyMs };
    this.faults = options.faults ?? new FaultPlan();
    this.#images = new Set(options.images);
    this.#log = options.recordCalls ? [] : undefined;
    this.#net = new SimEndpoints({
      endpoints: options.endpoints ?? false,
      port: options.endpointPort ?? 8080,
      ipStart: options.ipStart,
    });
  }

  // ---- ContainerRuntime -------------------------------------------------------------------

  ensureImage(image: string, opts: EnsureImageOptions): Promise<ImageInfo> {
    return this.#run({ op: 'ensureImage', image }, opts.signal, () => {
      const digest = this.#digestOf(image);
      if (this.#images.has(image)) return { ref: image, digest, pulled: false };
      const total = this.#opts.pullBytes ?? 4 * MiB;
      opts.onProgress?.({ doneBytes: Math.floor(total / 2), totalBytes: total });
      opts.onProgress?.({ doneBytes: total, totalBytes: total });
      this.#images.add(image);
      return { ref: image, digest, pulled: true };
    });
  }

  create(spec: WorkerSpec, opts: OpOptions): Promise<CreatedContainer> {
    const target = { op: 'create' as const, name: spec.name, functionName: spec.functionName, image: spec.image };
    return this.#run(target, opts.signal, () => {
      if (this.#containers.has(spec.name)) throw new AgentError('ALREADY_EXISTS', `container ${spec.name} already exists`, { step: 'create' });
      if (!this.#images.has(spec.image)) {
        throw new AgentError('FAILED_PRECONDITION', `image ${spec.image} is not present; ensureImage must run first`, { step: 'create' });
      }
      const c = newContainer(spec, this.#idFor(spec.name), this.#now());
      this.#containers.set(spec.name, c);
      return { containerId: c.containerId };
    });
  }

  setupNetwork(name: string, opts: OpOptions): Promise<NetworkAttachment> {
    return this.#run(this.#target('setupNetwork', name), opts.signal, async () => {
      const c = this.#must(name, 'setupNetwork');
      return { ipAddress: await this.#net.attach(name, c.functionName) };
    });
  }

  teardownNetwork(name: string, opts: OpOptions): Promise<void> {
    return this.#run(this.#target('teardownNetwork', name), opts.signal, () => this.#net.detach(name));
  }

  start(name: string, opts: OpOptions): Promise<void> {
    return this.#run(this.#target('start', name), opts.signal, async () => {
      const c = this.#must(name, 'start');
      if (c.status === 'running' || c.status === 'paused') {
        throw new AgentError('FAILED_PRECONDITION', `cannot start ${name}: it is already ${c.status}`, { step: 'start' });
      }
      await this.#net.serve(name, c.functionName);
      Object.assign(c, { status: 'running', startedAt: this.#now(), everStarted: true, exitCode: 0, exitTime: 0 });
    });
  }

  pause(name: string, opts: OpOptions): Promise<void> {
    return this.#run(this.#target('pause', name), opts.signal, () => this.#flip(name, 'pause', 'running', 'paused'));
  }

  resume(name: string, opts: OpOptions): Promise<void> {
    return this.#run(this.#target('resume', name), opts.signal, () => this.#flip(name, 'resume', 'paused', 'running'));
  }

  stop(name: string, opts: StopOptions): Promise<void> {
    return this.#run(this.#target('stop', name), opts.signal, async () => {
      const c = this.#containers.get(name);
      if (!c || (c.status !== 'running' && c.status !== 'paused')) return;
      // A running worker exits on SIGTERM; a paused one can only be SIGKILLed after the grace.
      this.#markExited(c, c.status === 'paused' ? 137 : 143);
      await this.#net.closeEndpoint(name);
    });
  }

  remove(name: string, opts: OpOptions): Promise<void> {
    return this.#run(this.#target('remove', name), opts.signal, async () => {
      const c = this.#containers.get(name);
      if (!c) return;
      if (c.status === 'running' || c.status === 'paused') {
        throw new AgentError('FAILED_PRECONDITION', `cannot remove ${name}: its process is ${c.status}; stop it first`, { step: 'remove' });
      }
      this.#containers.delete(name);
      await this.#net.closeEndpoint(name);
    });
  }

  list(opts: OpOptions): Promise<ManagedContainer[]> {
    return this.#run({ op: 'list' }, opts.signal, () => {
      const managed = this.#opts.isManaged ?? (() => true);
      const out: ManagedContainer[] = [];
      for (const c of this.#containers.values()) if (managed(c.labels)) out.push(toManaged(c, this.#net.ipOf(c.name)));
      return out;
    });
  }

  metrics(name: string, opts: OpOptions): Promise<RuntimeMetrics> {
    return this.#run(this.#target('metrics', name), opts.signal, () => simMetrics(this.#must(name, 'metrics'), this.#now()));
  }

  subscribe(listener: RuntimeEventListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#net.closeAll();
  }

  // ---- test controls ----------------------------------------------------------------------

  /** The next matching call of `op` fails with `spec.error` (`spec.times` calls, default 1). */
  failNext(op: SimOp, spec: FailSpec): void {
    this.faults.failNext(op, spec);
  }

  /** The next matching call of `op` never settles until its signal aborts or `release` is called. */
  hang(op: SimOp, spec?: HangSpec): void {
    this.faults.hang(op, spec);
  }

  /** Lets hung calls continue; returns how many were released. */
  release(op?: SimOp, match?: FaultMatch): number {
    return this.#hangs.release(op, match);
  }

  /** Resolves once a call of `op` (matching `match`) is hung. */
  waitForHang(op: SimOp, match?: FaultMatch): Promise<void> {
    return this.#hangs.waitFor(op, match);
  }

  setLatency(op: SimOp, ms: number): void {
    this.#latency[op] = ms;
  }

  /** The worker's process exits on its own with `code`; emits an `exit` event. */
  async exit(name: string, code: number): Promise<void> {
    const c = this.#must(name, 'exit');
    if (c.status !== 'running' && c.status !== 'paused') {
      throw new AgentError('FAILED_PRECONDITION', `cannot exit ${name}: it is ${c.status}`, { step: 'exit' });
    }
    this.#markExited(c, code);
    this.#emit({ type: 'exit', name, exitCode: code, at: c.exitTime });
    await this.#net.closeEndpoint(name);
  }

  /** The worker is OOM-killed: emits `oom`, then exits with 137. */
  async oom(name: string): Promise<void> {
    const c = this.#must(name, 'oom');
    c.oomEvents++;
    this.#emit({ type: 'oom', name, at: this.#now() });
    await this.exit(name, 137);
  }

  /** Puts a container in place without going through the operations. */
  async seed(seed: SeedContainer): Promise<void> {
    const c = newContainer(seed.spec, this.#idFor(seed.spec.name), seed.createdAt ?? this.#now());
    this.#images.add(seed.spec.image);
    this.#containers.set(c.name, c);
    if (seed.network ?? seed.status !== 'created') await this.#net.attach(c.name, c.functionName);
    if (seed.status === 'created') return;
    Object.assign(c, { status: seed.status, everStarted: true, startedAt: c.createdAt });
    if (seed.status === 'stopped') return this.#markExited(c, seed.exitCode ?? 0);
    await this.#net.serve(c.name, c.functionName);
    if (seed.status === 'paused') this.#net.setMode(c.name, 'paused');
  }

  /** A copy of everything held right now. */
  snapshotState(): SimStateSnapshot {
    const all = [...this.#containers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      containers: all.map((c) => ({
        name: c.name, containerId: c.containerId, functionName: c.functionName, ownerId: c.ownerId, status: c.status,
        ipAddress: this.#net.ipOf(c.name), exitCode: c.status === 'stopped' ? c.exitCode : undefined,
      })),
      networks: this.#net.leaseNames(),
      started: all.filter((c) => c.status === 'running' || c.status === 'paused').map((c) => c.name),
      paused: all.filter((c) => c.status === 'paused').map((c) => c.name),
      images: [...this.#images].sort(),
      endpoints: this.#net.endpointNames(),
      inFlight: this.#hangs.inFlight().map((t) => ({ op: t.op, name: t.name ?? t.image })),
      calls: { ...this.#calls },
    };
  }

  /** The recorded calls (empty unless `recordCalls`). */
  callLog(): readonly SimCall[] {
    return this.#log ?? [];
  }

  /** The echo endpoint's URL of a worker, when it has one. */
  endpointUrl(name: string): string | undefined {
    return this.#net.urlOf(name);
  }

  /** The state of a worker's echo endpoint (mode, requests held while paused, busy, answered). */
  endpointInfo(name: string): EndpointInfo | undefined {
    const ep = this.#net.endpoint(name);
    const url = this.#net.urlOf(name);
    return ep && url ? { url, mode: ep.mode, held: ep.held, busy: ep.busy, count: ep.count } : undefined;
  }

  // ---- internals --------------------------------------------------------------------------

  #target(op: SimOp, name: string): FaultTarget {
    return { op, name, functionName: this.#containers.get(name)?.functionName };
  }

  /** The (deterministic) digest of an image reference, computed once per reference. */
  #digestOf(image: string): string {
    let digest = this.#digests.get(image);
    if (digest === undefined) {
      digest = `sha256:${createHash('sha256').update(image).digest('hex')}`;
      this.#digests.set(image, digest);
    }
    return digest;
  }

  #idFor(name: string): string {
    return this.#opts.idStyle === 'docker' ? createHash('sha256').update(name).digest('hex') : name;
  }

  #must(name: string, step: string): SimContainer {
    const c = this.#containers.get(name);
    if (!c) throw new AgentError('NOT_FOUND', `container ${name} not found`, { step });
    return c;
  }

  #flip(name: string, op: 'pause' | 'resume', from: 'running' | 'paused', to: 'running' | 'paused'): void {
    const c = this.#must(name, op);
    if (c.status !== from) {
      throw new AgentError('FAILED_PRECONDITION', `cannot ${op} ${name}: it is ${c.status}, not ${from}`, { step: op });
    }
    c.status = to;
    this.#net.setMode(name, to === 'paused' ? 'paused' : 'serving');
  }

  #markExited(c: SimContainer, code: number): void {
    c.status = 'stopped';
    c.exitCode = code;
    c.exitTime = this.#now();
  }

  #emit(event: RuntimeEvent): void {
    for (const l of [...this.#listeners]) l(event);
  }

  /** Latency, faults, effect, hang-after-effect, call log: the frame of every operation. */
  async #run<T>(target: FaultTarget, signal: AbortSignal | undefined, effect: () => T | Promise<T>): Promise<T> {
    try {
      if (this.#closed) throw new AgentError('UNAVAILABLE', 'simulated runtime is closed', { step: target.op });
      if (signal?.aborted) throw cancelled(target, signal);
      this.#calls[target.op]++;
      const ms = this.#latency[target.op] ?? 0;
      if (ms > 0) await this.#hangs.track(target, this.#sleep(ms, signal, target));
      const fault = this.faults.take(target);
      if (fault?.kind === 'fail') throw fault.error;
      if (fault && !fault.afterEffect) await this.#hangs.hang(target, signal, () => cancelled(target, signal));
      const result = await effect();
      if (fault?.afterEffect) await this.#hangs.hang(target, signal, () => cancelled(target, signal));
      this.#log?.push({ op: target.op, target: target.name ?? target.image, outcome: 'ok' });
      return result;
    } catch (err) {
      const e = toAgentError(err, `simulated ${target.op}`, target.op);
      this.#log?.push({ op: target.op, target: target.name ?? target.image, outcome: e.code });
      throw e;
    }
  }

  async #sleep(ms: number, signal: AbortSignal | undefined, target: FaultTarget): Promise<void> {
    try {
      await (this.#opts.sleep ?? defaultSleep)(ms, signal);
    } catch (err) {
      if (signal?.aborted) throw cancelled(target, signal);
      throw err;
    }
    if (signal?.aborted) throw cancelled(target, signal);
  }
}

export type { EndpointInfo, SeedContainer, SimCall, SimulatedRuntimeOptions } from './sim-options.js';
export { FaultPlan } from './fault-plan.js';
export type { FailSpec, FaultError, FaultMatch, FaultTarget, HangSpec, SimOp } from './fault-plan.js';
export type { SimStateSnapshot, SimStatus } from './sim-state.js';
