/**
 * The AgentService implementation: one handler per RPC, each translating a request into a
 * supervisor (or invoker) call and a view into a reply. Nothing else happens here.
 */
import type { AgentServiceHandlers } from '../generated/esb/agent/v1/AgentService.js';
import type { HandlerDeps } from './deps.js';
import { destroyContainerHandler } from './destroy-container.js';
import { ensureContainerHandler } from './ensure-container.js';
import { getContainerMetricsHandler } from './get-container-metrics.js';
import { invokeWorkerHandler } from './invoke-worker.js';
import { listContainersHandler } from './list-containers.js';
import { pauseContainerHandler, resumeContainerHandler } from './worker-command.js';

export type { HandlerDeps } from './deps.js';

/** Builds every AgentService handler from its dependencies. */
export function createAgentHandlers(deps: HandlerDeps): AgentServiceHandlers {
  return {
    EnsureContainer: ensureContainerHandler(deps),
    DestroyContainer: destroyContainerHandler(deps),
    PauseContainer: pauseContainerHandler(deps),
    ResumeContainer: resumeContainerHandler(deps),
    ListContainers: listContainersHandler(deps),
    GetContainerMetrics: getContainerMetricsHandler(deps),
    InvokeWorker: invokeWorkerHandler(deps),
  };
}
