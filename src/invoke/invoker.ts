/**
 * The InvokeWorker proxy (contract §4, with the §8.3/§8.6–8.8 bugs fixed):
 * lookup (NOT_FOUND / PERMISSION_DENIED) → routing from the worker's machine state → the
 * worker's gate (one invocation at a time) → readiness (wait, or resume when auto-resume is
 * on) → touch (last_used_at = invoke start) → HTTP over the worker's keep-alive client.
 * Everything after lookup is bounded by the invoke timeout and the caller's signal.
 */
import type { Supervisor, WorkerHandle } from '../machines/supervisor-api.js';
import type { WorkerView } from '../machines/worker-types.js';
import { AgentError, hasCode } from '../errors.js';
import { CallScope } from './call-scope.js';
import { forwardRequestHeaders } from './headers.js';
import type { CallerAbort, InvokeRequest, InvokeResponse, Invoker } from './invoke-api.js';
import { InvokeGate } from './invoke-gate.js';
import { type InvokeEvent, type InvokeHooks, safeHook } from './invoke-hooks.js';
import { sendInvocation } from './invoke-http.js';
import { DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_RESPONSE_BYTES } from './message-limits.js';
import { resolveInvokePath } from './request-path.js';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
import { goneError, pausedError, readinessOf } from './worker-state.js';

export interface InvokerOptions extends WorkerPoolOptions {
  /** Response body cap (AGENT_INVOKE_MAX_RESPONSE_SIZE). @default 10485760 */
  maxResponseBytes?: number;
  /** Request payload cap; larger payloads get RESOURCE_EXHAUSTED. @default 6291456 */
  maxRequestBytes?: number;
  /** Resume a paused worker instead of FAILED_PRECONDITION (AGENT_INVOKE_AUTO_RESUME=1). @default false */
  autoResume?: boolean;
  /** Invoke timeout when `timeout_ms` is 0. @default 30000 */
  defaultTimeoutMs?: number;
  /** Delays between attempts after a refused connection; the last repeats. @default [25,50,100,200,400,800,1000] */
  retryBackoffMs?: readonly number[];
}

/** The pino-compatible subset the invoker logs through. */
export interface InvokeLog {
  debug(obj: object, msg: string): void;
}

export interface InvokerDeps {
  supervisor: Pick<Supervisor, 'lookup'>;
  options?: InvokerOptions;
  hooks?: InvokeHooks;
  log?: InvokeLog;
}

/** The Invoker plus what the composition root and metrics need. */
export interface ProxyInvoker extends Invoker {
  /** Closes worker `name`'s keep-alive connections (call it before pausing the worker). Never rejects. */
  closeWorker(name: string): Promise<void>;
  /** Callers waiting for worker `name`'s gate (0 for an unknown worker). */
  queueLength(name: string): number;
}

interface Slot {
  gate: InvokeGate;
  unsubscribe: () => void;
  retired: boolean;
}

/**
 * Builds the invoke proxy. Holds one gate and one keep-alive client per worker, dropped when
 * the worker leaves `running` (paused → closed gracefully; gone → destroyed).
 */
export function createInvoker(deps: InvokerDeps): ProxyInvoker {
  const o = deps.options ?? {};
  const maxResponseBytes = o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const maxRequestBytes = o.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const defaultTimeoutMs = o.defaultTimeoutMs ?? 30_000;
  const backoffMs = o.retryBackoffMs ?? [25, 50, 100, 200, 400, 800, 1000];
  const autoResume = o.autoResume ?? false;
  const pool = new WorkerPool(o);
  const slots = new Map<string, Slot>();
  const hooks = deps.hooks ?? {};

  function onView(name: string, view: WorkerView): void {
    if (view.state === 'running') return;
    const gone = readinessOf(view.state) === 'gone';
    void (gone ? pool.destroy(name) : pool.close(name));
    const slot = slots.get(name);
    if (gone && slot !== undefined && !slot.retired) {
      slot.retired = true;
      slot.unsubscribe();
      if (slot.gate.idle) slots.delete(name);
    }
  }

  function slotFor(handle: WorkerHandle): Slot {
    let slot = slots.get(handle.name);
    if (slot !== undefined) return slot;
    const name = handle.name;
    const gate = new InvokeGate(hooks.queueLength && ((n) => safeHook(() => hooks.queueLength?.(name, n))));
    slot = { gate, unsubscribe: () => undefined, retired: false };
    slots.set(name, slot);
    slot.unsubscribe = handle.subscribe((view) => onView(name, view));
    return slot;
  }

  function releaseSlot(name: string, slot: Slot): void {
    if (slot.retired && slot.gate.idle && slots.get(name) === slot) slots.delete(name);
  }

  /** Waits until the worker is running (or resumes it); throws when it cannot serve. */
  async function ensureRunning(handle: WorkerHandle, scope: CallScope): Promise<WorkerView> {
    for (;;) {
      const view = handle.view();
      switch (readinessOf(view.state)) {
        case 'running':
          if (view.ipAddress === '') {
            throw new AgentError('FAILED_PRECONDITION', 'container ip_address is empty', { step: 'invoke' });
          }
          return view;
        case 'gone':
          throw goneError(view);
        case 'paused':
          if (!autoResume) throw pausedError(view);
          await resume(handle, view, scope);
          break;
        case 'starting':
          scope.phase = `waiting for worker ${view.name} to become ready (state ${view.state})`;
          await handle.waitFor((v) => readinessOf(v.state) !== 'starting', { signal: scope.signal });
          break;
      }
    }
  }

  async function resume(handle: WorkerHandle, view: WorkerView, scope: CallScope): Promise<void> {
    if (view.state === 'pausing') {
      scope.phase = `waiting for worker ${view.name} to finish pausing before resuming it`;
      await handle.waitFor((v) => v.state !== 'pausing', { signal: scope.signal });
      return;
    }
    scope.phase = `resuming worker ${view.name}`;
    deps.log?.debug({ worker: view.name }, 'auto-resuming paused worker for an invocation');
    try {
      await handle.command('resume', { signal: scope.signal });
    } catch (err) {
      // Refused because the state moved on (someone else resumed it): look again.
      if (!hasCode(err, 'FAILED_PRECONDITION') || handle.view().state === 'paused') throw err;
    }
  }

  /** Refusals that need no waiting: a gone worker, or a paused one without auto-resume. */
  function precheck(view: WorkerView): void {
    const readiness = readinessOf(view.state);
    if (readiness === 'gone') throw goneError(view);
    if (readiness === 'paused' && !autoResume) throw pausedError(view);
  }

  /** The request-only checks, before any worker is looked at. */
  function prepare(req: InvokeRequest): { path: string; headers: Record<string, string> } {
    const path = resolveInvokePath(req.path);
    if (req.payload.length > maxRequestBytes) {
      throw new AgentError('RESOURCE_EXHAUSTED', `request payload too large (limit ${maxRequestBytes} bytes)`, { step: 'invoke' });
    }
    return { path, headers: forwardRequestHeaders(req.headers) };
  }

  /** Gate → readiness → touch → HTTP; fills `ev` as it goes. Errors are raw (the caller translates). */
  async function proxy(handle: WorkerHandle, req: InvokeRequest, prepared: { path: string; headers: Record<string, string> },
    scope: CallScope, ev: InvokeEvent, t0: number): Promise<{ response: InvokeResponse; release: () => void }> {
    const slot = slotFor(handle);
    scope.phase = `waiting for the previous invocation of worker ${handle.name}`;
    let release: () => void;
    try {
      release = slot.gate.tryAcquire() ?? await slot.gate.acquire(scope);
    } catch (err) {
      releaseSlot(handle.name, slot);
      throw err;
    }
    const done = (): void => {
      release();
      releaseSlot(handle.name, slot);
    };
    try {
      ev.queuedMs = performance.now() - t0;
      const view = await ensureRunning(handle, scope);
      handle.touch();
      const t1 = performance.now();
      const out = await sendInvocation({
        worker: handle.name, path: prepared.path, headers: prepared.headers, payload: req.payload, maxResponseBytes, backoffMs,
        client: async (attempt) => {
          const v = attempt === 1 ? view : await ensureRunning(handle, scope);
          return pool.client(handle.name, `http://${v.ipAddress}:${v.port || 8080}`);
        },
      }, scope);
      ev.upstreamMs = performance.now() - t1;
      ev.attempts = out.attempts;
      ev.statusCode = out.response.statusCode;
      ev.responseBytes = out.response.body.length;
      return { response: out.response, release: done };
    } catch (err) {
      done();
      throw err;
    }
  }

  async function invoke(req: InvokeRequest, opts: { signal?: AbortSignal | CallerAbort | undefined }): Promise<InvokeResponse> {
    const t0 = performance.now();
    const prepared = prepare(req);
    const handle = deps.supervisor.lookup(req.containerId, req.ownerId);
    const first = handle.view();
    precheck(first);
    const scope = new CallScope(req.timeoutMs > 0 ? req.timeoutMs : defaultTimeoutMs, opts.signal);
    const ev: InvokeEvent = {
      worker: handle.name, functionName: first.functionName, outcome: 'ok', durationMs: 0, queuedMs: 0,
      upstreamMs: 0, attempts: 0, requestBytes: req.payload.length, responseBytes: 0,
    };
    try {
      const { response, release } = await proxy(handle, req, prepared, scope, ev, t0);
      release();
      return response;
    } catch (err) {
      const e = scope.translate(err);
      ev.outcome = e.code;
      throw e;
    } finally {
      scope.dispose();
      ev.durationMs = performance.now() - t0;
      if (hooks.invoked) safeHook(() => hooks.invoked?.(ev));
    }
  }

  return {
    invoke,
    closeWorker: (name) => pool.close(name),
    queueLength: (name) => slots.get(name)?.gate.queueLength ?? 0,
    async close() {
      for (const slot of slots.values()) slot.unsubscribe();
      slots.clear();
      await pool.closeAll();
    },
  };
}
