/**
 * List and Metrics: managed containers by label (contract §0), status mapping (§2.2), the IP from
 * the cached CNI result (so it survives agent restarts, fixing §8.1), and decoded cgroup stats.
 */
import { AgentError } from '../../errors.js';
import type { ContainerStatus, ManagedContainer, RuntimeMetrics } from '../container-runtime.js';
import { containerIpv4 } from '../cni/result-cache.js';
import type { AdapterContext } from './adapter-context.js';
import { isNotFound } from './grpc-errors.js';
import { decodeTaskMetrics, timestampMs } from './metrics.js';
import { managedFilter } from './options.js';
import type { TaskProcess } from './task-control.js';
import { getTask } from './task-control.js';

interface ContainerRecord {
  id: string;
  labels: Record<string, string>;
  image: string;
  created_at?: { seconds?: string; nanos?: number } | null;
}

/** Pure. Task status → wire status: no task = STOPPED; CREATED, PAUSING, UNKNOWN = UNKNOWN. */
export function mapTaskStatus(task: Pick<TaskProcess, 'status'> | undefined): ContainerStatus {
  if (!task) return 'STOPPED';
  switch (task.status) {
    case 'RUNNING':
      return 'RUNNING';
    case 'PAUSED':
      return 'PAUSED';
    case 'STOPPED':
      return 'STOPPED';
    default:
      return 'UNKNOWN';
  }
}

/** Every managed container of the namespace with status and IP. Throws AgentError. */
export async function listWorkers(ctx: AdapterContext, signal?: AbortSignal): Promise<ManagedContainer[]> {
  const [containers, tasks] = await Promise.all([
    ctx.client.call<{ containers: ContainerRecord[] }>('containers', 'List', { filters: [managedFilter(ctx.managedLabels)] }, { signal }),
    ctx.client.call<{ tasks: TaskProcess[] }>('tasks', 'List', { filter: '' }, { signal }),
  ]);
  const byId = new Map(tasks.tasks.map((t) => [t.id || t.container_id || '', t]));
  const out: ManagedContainer[] = [];
  for (const c of containers.containers) {
    const functionName = c.labels[ctx.functionLabelKey] ?? '';
    if (!functionName) continue;
    const task = byId.get(c.id);
    const result = await ctx.cni.cachedResult(ctx.network.name, c.id, ctx.ifName);
    const ip = containerIpv4(result);
    const status = mapTaskStatus(task);
    out.push({
      containerId: c.id,
      name: c.id,
      functionName,
      ownerId: c.labels[ctx.ownerLabelKey] ?? '',
      status,
      createdAt: timestampMs(c.created_at) || ctx.now(),
      ipAddress: ip,
      labels: { ...c.labels },
      image: c.image || undefined,
      exitCode: status === 'STOPPED' && task ? task.exit_status : undefined,
      incomplete: !task || task.status === 'CREATED' || ip === undefined,
    });
  }
  return out;
}

/** Metrics of one worker (contract §2.2 table). Throws NOT_FOUND when the container is absent. */
export async function workerMetrics(ctx: AdapterContext, name: string, signal?: AbortSignal): Promise<RuntimeMetrics> {
  try {
    await ctx.client.call('containers', 'Get', { id: name }, { signal, what: name });
  } catch (err) {
    if (isNotFound(err)) throw new AgentError('NOT_FOUND', `worker ${name} not found in namespace "${ctx.namespace}"`, { cause: err, step: 'metrics' });
    throw err;
  }
  const task = await getTask(ctx, name, signal);
  const zero: RuntimeMetrics = {
    state: mapTaskStatus(task),
    memoryCurrent: 0n,
    memoryMax: 0n,
    oomEvents: 0n,
    cpuUsageNs: 0n,
    exitCode: task?.exit_status ?? 0,
    exitTime: task ? timestampMs(task.exited_at) : 0,
    restartCount: 0,
  };
  if (!task || task.status === 'STOPPED') return zero;
  const res = await ctx.client.call<{ metrics: Array<{ data?: { type_url: string; value: Buffer } }> }>(
    'tasks',
    'Metrics',
    { filters: [`id==${name}`] },
    { signal, what: name },
  );
  const data = res.metrics[0]?.data;
  if (!data) return zero;
  return { ...zero, ...decodeTaskMetrics(data) };
}
