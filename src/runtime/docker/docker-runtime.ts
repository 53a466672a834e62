/**
 * The Docker adapter of {@link ContainerRuntime}, over dockerode. Every daemon call runs under
 * a deadline (caller's signal + our timeout) and every failure leaves as an AgentError
 * (see `docker-errors.ts`). Containers are addressed by their name, which Docker accepts
 * wherever it accepts an id, so an aborted step can be rolled back by name.
 *
 * Order (info.networkPhase = 'afterStart'): Docker attaches the network and assigns the IP
 * when the container starts, so the worker machine runs create → start → setupNetwork (which
 * only reads the IP) → ready. teardownNetwork is a no-op: removing the container detaches it.
 */
import { AgentError } from '../../errors.js';
import type {
  ContainerRuntime, CreatedContainer, EnsureImageOptions, ImageInfo, ManagedContainer, NetworkAttachment,
  OpOptions, RuntimeEventListener, RuntimeInfo, RuntimeMetrics, StopOptions, WorkerSpec,
} from '../container-runtime.js';
import { sleep, withDeadline } from './call-deadline.js';
import { createBody } from './create-body.js';
import { pickIp, toManagedContainer } from './container-list.js';
import type { DockerClient, DockerContainerInspect } from './docker-client.js';
import { mapDockerError } from './docker-errors.js';
import { DockerEvents } from './docker-events.js';
import { listFilters } from './docker-labels.js';
import { decodeMetrics, statusFromInspect } from './docker-metrics.js';
import type { ResolvedDockerOptions } from './docker-options.js';
import { ImagePuller } from './image-puller.js';

export interface DockerRuntimeDeps {
  /** Client for ordinary calls (it may carry a socket inactivity timeout). */
  client: DockerClient;
  /** Client for long calls and streams (pull, stop, events): no inactivity timeout. */
  streamClient: DockerClient;
  options: ResolvedDockerOptions;
  /** Daemon version text for `info`. */
  version?: string | undefined;
  /** Human-readable daemon address, for error messages. */
  endpoint: string;
}

/** IP lookup backoff steps (ms); the last one repeats until ipLookupTimeoutMs. */
const IP_BACKOFF_MS = [25, 50, 100, 200, 400, 800];

export class DockerRuntime implements ContainerRuntime {
  readonly info: RuntimeInfo;
  private readonly o: ResolvedDockerOptions;
  private readonly puller: ImagePuller;
  private readonly events: DockerEvents;

  constructor(private readonly deps: DockerRuntimeDeps) {
    this.o = deps.options;
    this.info = { kind: 'docker', version: deps.version, networkPhase: 'afterStart' };
    const { callTimeoutMs, pullTimeoutMs, pullIdleTimeoutMs, pullPolicy, logger, now } = this.o;
    this.puller = new ImagePuller({
      client: deps.streamClient, policy: pullPolicy, callTimeoutMs, pullTimeoutMs, pullIdleTimeoutMs, logger, now, endpoint: deps.endpoint,
    });
    this.events = new DockerEvents({
      client: deps.streamClient, identity: this.o.identity, backoff: this.o.eventsBackoff, connectTimeoutMs: callTimeoutMs, logger, now,
      list: (signal) => this.list({ signal }),
      livenessMs: this.o.eventsLivenessMs,
    });
  }

  /** Runs one daemon call under a deadline, with debug logs, mapping failures. @throws AgentError */
  private async call<T>(what: string, step: string, signal: AbortSignal | undefined, fn: (s: AbortSignal) => Promise<T>, timeoutMs = this.o.callTimeoutMs): Promise<T> {
    const t0 = this.o.now();
    this.o.logger.debug({ step }, `docker: ${what}`);
    try {
      const v = await withDeadline(signal, timeoutMs, what, step, fn);
      this.o.logger.debug({ step, ms: this.o.now() - t0 }, `docker: ${what} done`);
      return v;
    } catch (err) {
      throw mapDockerError(err, what, step, this.deps.endpoint);
    }
  }

  private container(name: string) {
    return this.deps.client.getContainer(name);
  }

  ensureImage(image: string, opts: EnsureImageOptions): Promise<ImageInfo> {
    return this.puller.ensure(image, opts);
  }

  /**
   * Creates the container. The caller's abort does not cut the create request (dockerd would
   * still create the container after we hung up, leaking it): we wait for the answer (bounded
   * by the call timeout), remove what was created, then report CANCELLED.
   */
  async create(spec: WorkerSpec, opts: OpOptions): Promise<CreatedContainer> {
    if (!spec.name) throw new AgentError('INVALID_ARGUMENT', 'container name is empty', { step: 'create' });
    if (opts.signal?.aborted) throw new AgentError('CANCELLED', `create container ${spec.name}: cancelled`, { step: 'create' });
    const body = createBody(spec, this.o.network);
    let created: { id: string };
    try {
      created = await this.call(`create container ${spec.name}`, 'create', undefined, (s) => this.deps.client.createContainer({ ...body, abortSignal: s }));
    } catch (err) {
      const e = this.networkMissing(err as AgentError);
      if (e.code === 'NOT_FOUND') throw new AgentError('NOT_FOUND', `${e.message} (image ${spec.image} is not present)`, { cause: e, step: 'create' });
      if (e.code === 'DEADLINE_EXCEEDED') await this.remove(spec.name, {}).catch(() => undefined);
      throw e;
    }
    if (opts.signal?.aborted) {
      await this.remove(spec.name, {}).catch(() => undefined);
      throw new AgentError('CANCELLED', `create container ${spec.name}: cancelled (the created container was removed)`, { step: 'create' });
    }
    return { containerId: created.id };
  }

  /** dockerd reports a missing network as 404 (at create or, in 20.10, at start): say how to fix it. */
  private networkMissing(e: AgentError): AgentError {
    if (e.code !== 'NOT_FOUND' || !/network .*not found/i.test(e.message)) return e;
    return new AgentError(
      'FAILED_PRECONDITION',
      `${e.message} (CONTAINERS_NETWORK=${this.o.network} must exist: docker network create ${this.o.network})`,
      { cause: e, step: e.step },
    );
  }

  async start(name: string, opts: OpOptions): Promise<void> {
    await this.call(`start container ${name}`, 'start', opts.signal, (s) => this.container(name).start({ abortSignal: s })).catch((err: AgentError) => {
      if (/already started/i.test(err.message)) return; // 304
      throw this.networkMissing(err);
    });
  }

  async setupNetwork(name: string, opts: OpOptions): Promise<NetworkAttachment> {
    const started = this.o.now();
    for (let attempt = 0; ; attempt++) {
      const info = await this.inspect(name, opts.signal, 'netSetup');
      const ip = pickIp(info.NetworkSettings?.Networks ?? undefined, this.o.network);
      if (ip) return { ipAddress: ip };
      const state = statusFromInspect(info.State);
      if (state === 'STOPPED') {
        throw new AgentError('FAILED_PRECONDITION', `container ${name} exited (code ${info.State?.ExitCode ?? '?'}) before it got an IP address`, { step: 'netSetup' });
      }
      const elapsed = this.o.now() - started;
      if (elapsed >= this.o.ipLookupTimeoutMs) {
        throw new AgentError('INTERNAL', `container ${name} started but has no IP address on ${this.o.network} after ${attempt + 1} inspects (${elapsed} ms)`, { step: 'netSetup' });
      }
      const delay = IP_BACKOFF_MS[Math.min(attempt, IP_BACKOFF_MS.length - 1)] ?? 800;
      await sleep(Math.min(delay, this.o.ipLookupTimeoutMs - elapsed), opts.signal, 'netSetup');
    }
  }

  /** No-op: Docker detaches the endpoint and frees the IP when the container is removed. */
  async teardownNetwork(_name: string, _opts: OpOptions): Promise<void> {}

  async pause(name: string, opts: OpOptions): Promise<void> {
    await this.call(`pause container ${name}`, 'pause', opts.signal, (s) => this.container(name).pause({ abortSignal: s })).catch((err: AgentError) => {
      if (/already paused/i.test(err.message)) return;
      throw err;
    });
  }

  async resume(name: string, opts: OpOptions): Promise<void> {
    try {
      await this.call(`resume container ${name}`, 'resume', opts.signal, (s) => this.container(name).unpause({ abortSignal: s }));
    } catch (err) {
      if (!/not paused/i.test((err as Error).message)) throw err;
      const info = await this.inspect(name, opts.signal, 'resume');
      if (statusFromInspect(info.State) === 'RUNNING') return;
      throw new AgentError('FAILED_PRECONDITION', `resume container ${name}: it is not running`, { cause: err, step: 'resume' });
    }
  }

  async stop(name: string, opts: StopOptions): Promise<void> {
    let info: DockerContainerInspect;
    try {
      info = await this.inspect(name, opts.signal, 'stop');
    } catch (err) {
      if ((err as AgentError).code === 'NOT_FOUND') return;
      throw err;
    }
    if (info.State?.Paused) await this.resume(name, opts).catch(() => undefined); // a frozen process cannot act on SIGTERM
    if (!info.State?.Running && !info.State?.Paused) return;
    const t = Math.max(0, Math.ceil(opts.graceMs / 1000));
    try {
      await this.call(`stop container ${name}`, 'stop', opts.signal, (s) => this.deps.streamClient.getContainer(name).stop({ t, abortSignal: s }), t * 1000 + this.o.callTimeoutMs);
    } catch (err) {
      if (isGone(err)) return;
      if ((err as AgentError).code === 'CANCELLED') throw err;
      this.o.logger.warn({ name, err: (err as Error).message }, 'stop failed; killing');
      await this.kill(name, opts.signal);
    }
  }

  private async kill(name: string, signal: AbortSignal | undefined): Promise<void> {
    await this.call(`kill container ${name}`, 'stop', signal, (s) => this.container(name).kill({ signal: 'SIGKILL', abortSignal: s })).catch((err: unknown) => {
      if (!isGone(err)) throw err;
    });
  }

  async remove(name: string, opts: OpOptions): Promise<void> {
    try {
      await this.call(`remove container ${name}`, 'remove', opts.signal, (s) => this.container(name).remove({ force: true, v: true, abortSignal: s }));
    } catch (err) {
      if ((err as AgentError).code === 'NOT_FOUND') return this.events.forget(name);
      if (!/removal of container .* is already in progress/i.test((err as Error).message)) throw err;
      await this.waitGone(name, opts.signal);
    }
    this.events.forget(name);
  }

  /** Polls inspect until the container is gone (another removal is running). @throws AgentError */
  private async waitGone(name: string, signal: AbortSignal | undefined): Promise<void> {
    const deadline = this.o.now() + this.o.callTimeoutMs;
    for (let i = 0; this.o.now() < deadline; i++) {
      try {
        await this.inspect(name, signal, 'remove');
      } catch (err) {
        if ((err as AgentError).code === 'NOT_FOUND') return;
        throw err;
      }
      await sleep(IP_BACKOFF_MS[Math.min(i, IP_BACKOFF_MS.length - 1)] ?? 800, signal, 'remove');
    }
    throw new AgentError('DEADLINE_EXCEEDED', `remove container ${name}: still present after ${this.o.callTimeoutMs} ms`, { step: 'remove' });
  }

  async list(opts: OpOptions): Promise<ManagedContainer[]> {
    const rows = await this.call('list containers', 'list', opts.signal, (s) =>
      this.deps.client.listContainers({ all: true, filters: listFilters(this.o.identity), abortSignal: s }),
    );
    const out: ManagedContainer[] = [];
    for (const row of rows) {
      const c = toManagedContainer(row, this.o.identity, this.o.network);
      if (c) out.push(c);
    }
    return out;
  }

  async metrics(name: string, opts: OpOptions): Promise<RuntimeMetrics> {
    const [info, stats] = await Promise.all([
      this.inspect(name, opts.signal, 'metrics'),
      this.call(`stats of container ${name}`, 'metrics', opts.signal, (s) => this.container(name).stats({ stream: false, 'one-shot': true, abortSignal: s })),
    ]);
    return decodeMetrics(stats, info, this.events.oomCount(name));
  }

  subscribe(listener: RuntimeEventListener): () => void {
    return this.events.subscribe(listener);
  }

  async close(): Promise<void> {
    await this.events.stop();
  }

  private inspect(name: string, signal: AbortSignal | undefined, step: string): Promise<DockerContainerInspect> {
    return this.call(`inspect container ${name}`, step, signal, (s) => this.container(name).inspect({ abortSignal: s }));
  }
}

/** Not found, or already stopped/not running: the goal of stop/kill is reached. */
function isGone(err: unknown): boolean {
  const e = err as AgentError;
  return e.code === 'NOT_FOUND' || /not running|already stopped|is not paused/i.test(e.message ?? '');
}
