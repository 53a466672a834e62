/**
 * A small in-memory Supervisor for handler tests: the same public behaviour as the real one
 * (NOT_FOUND / PERMISSION_DENIED from its own state, FAILED_PRECONDITION for refused commands,
 * destroy of unknown = success), with scriptable failures and a slow, abortable ensure.
 */
import { AgentError } from '../../../src/errors.js';
import type { CallOptions, EnsureRequest, Supervisor, WorkerCommand, WorkerHandle } from '../../../src/machines/supervisor-api.js';
import type { WorkerView } from '../../../src/machines/worker-types.js';
import type { RuntimeMetrics } from '../../../src/runtime/container-runtime.js';

export interface FakeScript {
  ensureError?: unknown;
  /** Ensure waits this long (abortable) before succeeding. */
  ensureDelayMs?: number;
  commandError?: unknown;
  destroyError?: unknown;
  listError?: unknown;
  metricsError?: unknown;
}

export class FakeSupervisor implements Supervisor {
  readonly script: FakeScript = {};
  readonly workers = new Map<string, WorkerView>();
  /** Names of workers an aborted ensure created and then removed. */
  readonly abandoned: string[] = [];
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.workers.size;
  }

  async ensure(req: EnsureRequest, opts: CallOptions = {}): Promise<WorkerView> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(req.functionName)) {
      throw new AgentError('INVALID_ARGUMENT', `function_name ${JSON.stringify(req.functionName)} cannot form a valid container name`);
    }
    const name = `esb-test-${req.functionName.toLowerCase()}-${(++this.seq).toString(16).padStart(8, '0')}`;
    if (this.script.ensureDelayMs) await this.wait(name, this.script.ensureDelayMs, opts.signal);
    if (this.script.ensureError) throw this.script.ensureError;
    const at = this.now();
    const view: WorkerView = {
      name, containerId: name, functionName: req.functionName, ownerId: req.ownerId, image: req.image,
      state: 'running', status: 'RUNNING', ipAddress: `127.0.0.${this.seq}`, port: 8080,
      createdAt: at, lastUsedAt: at, origin: 'created',
    };
    this.workers.set(name, view);
    return view;
  }

  lookup(containerId: string, ownerId: string): WorkerHandle {
    const view = this.workers.get(containerId);
    if (!view) throw new AgentError('NOT_FOUND', 'container_id not found');
    if (view.ownerId !== ownerId) throw new AgentError('PERMISSION_DENIED', 'owner_id does not match container');
    return this.handle(view);
  }

  async destroy(containerId: string, ownerId: string): Promise<void> {
    const view = this.workers.get(containerId);
    if (!view) return;
    if (view.ownerId !== ownerId) throw new AgentError('PERMISSION_DENIED', 'owner_id does not match container');
    if (this.script.destroyError) throw this.script.destroyError;
    this.workers.delete(containerId);
  }

  list(ownerId: string): WorkerView[] {
    if (this.script.listError) throw this.script.listError;
    return [...this.workers.values()].filter((v) => v.ownerId === ownerId);
  }

  all(): WorkerView[] {
    return [...this.workers.values()];
  }

  private wait(name: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        this.abandoned.push(name);
        reject(signal.reason);
      }, { once: true });
    });
  }

  private handle(view: WorkerView): WorkerHandle {
    const can = (c: WorkerCommand): boolean =>
      c === 'destroy' || (c === 'pause' ? view.status === 'RUNNING' : view.status === 'PAUSED');
    return {
      name: view.name,
      view: () => ({ ...view }),
      context: () => { throw new Error('not used'); },
      can,
      command: async (c) => {
        if (!can(c)) throw new AgentError('FAILED_PRECONDITION', `worker cannot ${c} in state ${view.state}`);
        if (this.script.commandError) throw this.script.commandError;
        view.state = c === 'pause' ? 'paused' : 'running';
        view.status = c === 'pause' ? 'PAUSED' : 'RUNNING';
      },
      touch: () => { view.lastUsedAt = this.now(); },
      waitFor: async () => ({ ...view }),
      subscribe: () => () => {},
      metrics: async (): Promise<RuntimeMetrics> => {
        if (this.script.metricsError) throw this.script.metricsError;
        return {
          state: view.status, memoryCurrent: 5n * 2n ** 40n, memoryMax: 128n * 2n ** 20n, oomEvents: 0n,
          cpuUsageNs: 123456789n, exitCode: 0, exitTime: 0, restartCount: 0,
        };
      },
    };
  }
}
