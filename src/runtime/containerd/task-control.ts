/**
 * Task operations that need more than one call: status lookup, stop (SIGTERM → grace →
 * SIGKILL, thawing a paused task first so nothing hangs on a frozen cgroup) and pause/resume
 * that accept the target state as done.
 */
import { AgentError } from '../../errors.js';
import type { AdapterContext } from './adapter-context.js';
import { isNotFound } from './grpc-errors.js';

export interface TaskProcess {
  id?: string;
  container_id?: string;
  pid: number;
  status: 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';
  exit_status: number;
  exited_at?: { seconds?: string; nanos?: number } | null;
}

/** The worker's task, or undefined when it has none. Throws AgentError on other failures. */
export async function getTask(ctx: AdapterContext, name: string, signal?: AbortSignal): Promise<TaskProcess | undefined> {
  try {
    const res = await ctx.client.call<{ process: TaskProcess }>('tasks', 'Get', { container_id: name }, { signal, what: name });
    return res.process;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Sends a signal; true when sent, false when the task or process is already gone. */
async function kill(ctx: AdapterContext, name: string, signal: number, all: boolean): Promise<boolean> {
  try {
    await ctx.client.call('tasks', 'Kill', { container_id: name, signal, all }, { what: name });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Waits for the task to exit for at most `ms`; true when it exited (or is gone). */
async function waitExit(ctx: AdapterContext, name: string, ms: number): Promise<boolean> {
  try {
    await ctx.client.call('tasks', 'Wait', { container_id: name }, { timeoutMs: Math.max(ms, 1), what: name });
    return true;
  } catch (err) {
    if (isNotFound(err)) return true;
    if (err instanceof AgentError && err.code === 'DEADLINE_EXCEEDED') return false;
    throw err;
  }
}

/**
 * SIGTERM, up to `graceMs`, then SIGKILL to every process; a paused task is thawed first (a
 * signal to a frozen cgroup v1 task is only acted on after the thaw). Not found or already
 * stopped = done. Throws DEADLINE_EXCEEDED when the task survives SIGKILL for killTimeoutMs.
 */
export async function stopTask(ctx: AdapterContext, name: string, graceMs: number): Promise<void> {
  const task = await getTask(ctx, name);
  if (!task || task.status === 'STOPPED') return;
  if (task.status === 'PAUSED' || task.status === 'PAUSING') await thaw(ctx, name);
  if (task.status !== 'CREATED' && graceMs > 0) {
    if (!(await kill(ctx, name, 15, false))) return;
    if (await waitExit(ctx, name, graceMs)) return;
  }
  if (!(await kill(ctx, name, 9, true))) return;
  if (await waitExit(ctx, name, ctx.killTimeoutMs)) return;
  const again = await getTask(ctx, name);
  if (again?.status === 'PAUSED' || again?.status === 'PAUSING') {
    await thaw(ctx, name);
    if (await waitExit(ctx, name, ctx.killTimeoutMs)) return;
  }
  throw new AgentError('DEADLINE_EXCEEDED', `task ${name} did not exit ${ctx.killTimeoutMs} ms after SIGKILL`, { step: 'stop' });
}

async function thaw(ctx: AdapterContext, name: string): Promise<void> {
  try {
    await ctx.client.call('tasks', 'Resume', { container_id: name }, { what: name });
  } catch (err) {
    ctx.log.warn({ err, name }, 'resume before stop failed; killing anyway');
  }
}

/** Pause or resume; a task already in the target state counts as done. Throws NOT_FOUND / FAILED_PRECONDITION. */
export async function setPaused(ctx: AdapterContext, name: string, paused: boolean, signal?: AbortSignal): Promise<void> {
  const method = paused ? 'Pause' : 'Resume';
  try {
    await ctx.client.call('tasks', method, { container_id: name }, { signal, what: name });
  } catch (err) {
    if (isNotFound(err)) throw new AgentError('NOT_FOUND', `worker ${name} has no task to ${method.toLowerCase()}`, { cause: err, step: method.toLowerCase() });
    const task = await getTask(ctx, name, signal);
    const target = paused ? 'PAUSED' : 'RUNNING';
    if (task?.status === target) return;
    throw new AgentError('FAILED_PRECONDITION', `cannot ${method.toLowerCase()} worker ${name} in state ${task?.status ?? 'gone'}: ${(err as Error).message}`, {
      cause: err,
      step: method.toLowerCase(),
    });
  }
}
