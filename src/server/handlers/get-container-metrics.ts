/**
 * GetContainerMetrics: validates container_id then owner_id, finds the worker, and asks it
 * for its resource usage. Contract §1.5.
 */
import type { AgentServiceHandlers } from '../generated/esb/agent/v1/AgentService.js';
import type { HandlerDeps } from './deps.js';
import { failingWith } from './failure.js';
import { toContainerMetrics } from './replies.js';
import { unary } from './unary.js';
import { requireContainerId, requireOwnerId } from './validation.js';

/** Builds the GetContainerMetrics handler. `collected_at` is the handler's clock after collection. */
export function getContainerMetricsHandler(deps: HandlerDeps): AgentServiceHandlers['GetContainerMetrics'] {
  const now = deps.now ?? Date.now;
  return unary(deps.log, async (req, { signal }) => {
    const containerId = requireContainerId(req.container_id);
    const ownerId = requireOwnerId(req.owner_id);
    const worker = deps.supervisor.lookup(containerId, ownerId);
    const metrics = await failingWith('failed to get container metrics', () => worker.metrics({ signal }));
    return { metrics: toContainerMetrics(worker.view(), metrics, now()) };
  });
}
