/** ListContainers: validates owner_id and returns that owner's workers. Contract §1.4. */
import type { AgentServiceHandlers } from '../generated/esb/agent/v1/AgentService.js';
import type { HandlerDeps } from './deps.js';
import { failingWith } from './failure.js';
import { toContainerState } from './replies.js';
import { unary } from './unary.js';
import { requireOwnerId } from './validation.js';

/** Builds the ListContainers handler. No workers is an empty list, not an error. */
export function listContainersHandler(deps: HandlerDeps): AgentServiceHandlers['ListContainers'] {
  return unary(deps.log, async (req) => {
    const ownerId = requireOwnerId(req.owner_id);
    const views = await failingWith('failed to list containers', () => deps.supervisor.list(ownerId));
    return { containers: views.map(toContainerState) };
  });
}
