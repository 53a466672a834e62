/**
 * The containerd adapter: {@link ContainerRuntime} over containerd's gRPC API with our own CNI
 * executor. Per worker: create (snapshot + container [+ task in `task` netns mode]), then
 * setupNetwork (loopback + conflist ADD on the worker's netns) and start in the order
 * `info.networkPhase` reports (default `afterStart`: the process boots while CNI runs; the
 * optional readiness wait runs after whichever of the two comes last). Every method throws
 * AgentError only; teardownNetwork, stop and remove treat "not found" as done.
 */
import { AgentError, toAgentError } from '../../errors.js';
import type {
  ContainerRuntime,
  CreatedContainer,
  EnsureImageOptions,
  ImageInfo,
  ManagedContainer,
  NetworkAttachment,
  OpOptions,
  RuntimeEventListener,
  RuntimeInfo,
  RuntimeMetrics,
  StopOptions,
  WorkerSpec,
} from '../container-runtime.js';
import { containerIpv4 } from '../cni/result-cache.js';
import type { ImagePuller } from '../images/image-puller.js';
import { pollDelayMs, tcpAccepts } from '../tcp-ready.js';
import { type AdapterContext, createLeaseId } from './adapter-context.js';
import { isNotFound } from './grpc-errors.js';
import { deleteNetns, type LogCapper, removeWorkerFiles } from './host-files.js';
import { getTask, setPaused, stopTask } from './task-control.js';
import { TaskEventStream } from './task-events.js';
import { createTask, createWorker, snapshotMounts, workerNetnsPath } from './worker-create.js';
import { listWorkers, workerMetrics } from './worker-inventory.js';

export class ContainerdRuntime implements ContainerRuntime {
  readonly info: RuntimeInfo;
  private readonly listeners = new Set<RuntimeEventListener>();
  private readonly events: TaskEventStream;
  /** Task pids from Tasks.Create (`task` mode), so setupNetwork needs no Tasks.Get; dropped on remove. */
  private readonly pids = new Map<string, number>();

  constructor(
    /** What the adapter's parts share (client, CNI executor, network, paths); start-up recovery reads it. */
    readonly ctx: AdapterContext,
    version: string | undefined,
    private readonly capper?: LogCapper,
    /** Wait this long for IP:port to accept after start (0 = do not wait). */
    private readonly readiness: { port: number; timeoutMs: number } = { port: 8080, timeoutMs: 0 },
    /** The images puller (IMAGE_PULL_POLICY, shared pulls, unpack); without one, ensureImage fails. */
    private readonly images: { puller?: ImagePuller | undefined; close?: () => Promise<void> } = {},
  ) {
    this.info = { kind: 'containerd', version, networkPhase: ctx.networkPhase };
    this.events = new TaskEventStream(ctx.client, {
      now: ctx.now,
      onEvent: (e) => {
        for (const l of this.listeners) {
          try {
            l(e);
          } catch (err) {
            ctx.log.warn({ err, event: e }, 'runtime event listener threw');
          }
        }
      },
      onError: (err) => ctx.log.warn({ err }, 'containerd event stream broke; resubscribing'),
    });
    capper?.start();
  }

  /**
   * Makes the image present and unpacked per IMAGE_PULL_POLICY through the images puller
   * (src/runtime/images, docs/images.md). Throws AgentError (FAILED_PRECONDITION without a puller).
   */
  ensureImage(image: string, opts: EnsureImageOptions): Promise<ImageInfo> {
    const puller = this.images.puller;
    if (!puller) return Promise.reject(new AgentError('FAILED_PRECONDITION', 'image pulling is not configured', { step: 'pullImage' }));
    return edge('pullImage', `ensure image ${image}`, async () => {
      const info = await puller.ensureImage(image, opts);
      if (info.pulled) this.ctx.images.forget();
      return info;
    });
  }

  async create(spec: WorkerSpec, opts: OpOptions): Promise<CreatedContainer> {
    this.ctx.log.debug({ name: spec.name, image: spec.image }, 'create');
    const { pid } = await edge('create', `create ${spec.name}`, () => createWorker(this.ctx, spec, opts.signal, (name) => this.remove(name, {})));
    if (pid) this.pids.set(spec.name, pid);
    return { containerId: spec.name };
  }

  /** CNI ADD on the worker's netns; with `afterStart` also the optional readiness wait. */
  setupNetwork(name: string, opts: OpOptions): Promise<NetworkAttachment> {
    return edge('network', `network ${name}`, async () => {
      const att = await this.attach(name, opts);
      if (this.ctx.networkPhase === 'afterStart' && this.readiness.timeoutMs > 0) await this.waitReady(name, opts.signal);
      return att;
    });
  }

  private async attach(name: string, opts: OpOptions): Promise<NetworkAttachment> {
    const rt = { containerId: name, netns: workerNetnsPath(this.ctx, name, await this.taskPid(name, opts.signal)), ifName: this.ctx.ifName };
    try {
      const result = await this.ctx.cni.add(this.ctx.network, rt, { loopback: true });
      const ip = containerIpv4(result);
      if (!ip) throw new AgentError('INTERNAL', `CNI ADD for ${name} returned no IPv4 address`, { step: 'network' });
      return { ipAddress: ip };
    } catch (err) {
      await this.ctx.cni.del(this.ctx.network, rt).catch((e: unknown) => this.ctx.log.warn({ err: e, name }, 'CNI DEL after a failed ADD failed'));
      throw err;
    }
  }

  /** `task` mode: the pid whose netns CNI configures (remembered from create, else Tasks.Get). */
  private async taskPid(name: string, signal?: AbortSignal): Promise<number | undefined> {
    if (this.ctx.netnsMode !== 'task') return undefined;
    const known = this.pids.get(name);
    if (known) return known;
    const task = await getTask(this.ctx, name, signal);
    if (!task?.pid) throw new AgentError('NOT_FOUND', `worker ${name} has no task to attach a network to`, { step: 'network' });
    return task.pid;
  }

  teardownNetwork(name: string, _opts: OpOptions): Promise<void> {
    return edge('network', `network teardown ${name}`, () => this.detach(name));
  }

  private async detach(name: string): Promise<void> {
    const task = this.ctx.netnsMode === 'task' ? await getTask(this.ctx, name) : undefined;
    const alive = task && task.status !== 'STOPPED' ? task.pid : undefined;
    const rt = { containerId: name, netns: workerNetnsPath(this.ctx, name, alive), ifName: this.ctx.ifName };
    await this.ctx.cni.del(this.ctx.network, rt, { onlyIfCached: true });
    if (this.ctx.netnsMode === 'precreated') await deleteNetns(name);
  }

  start(name: string, opts: OpOptions): Promise<void> {
    return edge('start', `start ${name}`, () => this.startTask(name, opts));
  }

  private async startTask(name: string, opts: OpOptions): Promise<void> {
    if (this.ctx.netnsMode === 'precreated') {
      const task = await getTask(this.ctx, name, opts.signal);
      if (!task) await createTask(this.ctx, name, await snapshotMounts(this.ctx, name, opts.signal));
    }
    opts.signal?.throwIfAborted();
    await this.ctx.client.call('tasks', 'Start', { container_id: name }, { timeoutMs: this.ctx.taskTimeoutMs, what: name });
    if (this.ctx.networkPhase === 'beforeStart' && this.readiness.timeoutMs > 0) await this.waitReady(name, opts.signal);
  }

  pause(name: string, opts: OpOptions): Promise<void> {
    return edge('pause', `pause ${name}`, () => setPaused(this.ctx, name, true, opts.signal));
  }

  resume(name: string, opts: OpOptions): Promise<void> {
    return edge('resume', `resume ${name}`, () => setPaused(this.ctx, name, false, opts.signal));
  }

  stop(name: string, opts: StopOptions): Promise<void> {
    return edge('stop', `stop ${name}`, () => stopTask(this.ctx, name, opts.graceMs));
  }

  /** Network, task, container, snapshot, create lease, netns and files; each "not found" is done. Throws the first other error after trying every step. */
  async remove(name: string, _opts: OpOptions): Promise<void> {
    const errors: unknown[] = [];
    this.pids.delete(name);
    const step = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    };
    await step(() => this.detach(name));
    await step(() => this.deleteTask(name));
    await step(() => this.ctx.client.call('containers', 'Delete', { id: name }, { what: name }));
    await step(() => this.ctx.client.call('snapshots', 'Remove', { snapshotter: this.ctx.snapshotter, key: name }, { what: name }));
    await step(() => this.ctx.client.call('leases', 'Delete', { id: createLeaseId(name) }, { what: name }));
    if (this.ctx.netnsMode === 'precreated') await step(() => deleteNetns(name));
    await step(() => removeWorkerFiles(this.ctx.resolvDir, this.ctx.logDir, name));
    if (errors.length > 0) throw errors[0] instanceof AgentError ? errors[0] : new AgentError('INTERNAL', `remove ${name}: ${String(errors[0])}`, { cause: errors[0], step: 'remove' });
  }

  list(opts: OpOptions): Promise<ManagedContainer[]> {
    return edge('list', 'list', () => listWorkers(this.ctx, opts.signal));
  }

  metrics(name: string, opts: OpOptions): Promise<RuntimeMetrics> {
    return edge('metrics', `metrics ${name}`, () => workerMetrics(this.ctx, name, opts.signal));
  }

  subscribe(listener: RuntimeEventListener): () => void {
    this.listeners.add(listener);
    this.events.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.events.stop();
    };
  }

  async close(): Promise<void> {
    this.events.stop();
    this.capper?.stop();
    this.listeners.clear();
    await this.images.close?.().catch(() => undefined);
    this.ctx.client.close();
  }

  /** Task delete; a task still running is killed first. */
  private async deleteTask(name: string): Promise<void> {
    try {
      await this.ctx.client.call('tasks', 'Delete', { container_id: name }, { what: name });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
    }
    await stopTask(this.ctx, name, 0);
    await this.ctx.client.call('tasks', 'Delete', { container_id: name }, { what: name });
  }

  private async waitReady(name: string, signal?: AbortSignal): Promise<void> {
    const ip = containerIpv4(await this.ctx.cni.cachedResult(this.ctx.network.name, name, this.ctx.ifName));
    if (!ip) return;
    const started = this.ctx.now();
    while (!(await tcpAccepts(ip, this.readiness.port, signal))) {
      signal?.throwIfAborted();
      const elapsed = this.ctx.now() - started;
      if (elapsed > this.readiness.timeoutMs) throw new AgentError('DEADLINE_EXCEEDED', `worker ${name} did not accept on ${ip}:${this.readiness.port} within ${this.readiness.timeoutMs} ms`, { step: 'start' });
      await new Promise((r) => setTimeout(r, pollDelayMs(elapsed)));
    }
  }
}

/** Runs `fn` and turns anything that is not an AgentError into one (the interface throws AgentError only). */
async function edge<T>(step: string, context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAgentError(err, context, step);
  }
}
