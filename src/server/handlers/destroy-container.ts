/**
 * DestroyContainer: validates container_id then owner_id; `function_name` is ignored.
 * Destroying a container that does not exist succeeds. Contract §1.2.
 */
import { AgentError } from '../../errors.js';
import type { AgentServiceHandlers } from '../generated/esb/agent/v1/AgentService.js';
import type { HandlerDeps } from './deps.js';
import { failingWith } from './failure.js';
import { unary } from './unary.js';
import { requireContainerId, requireOwnerId } from './validation.js';

/** Builds the DestroyContainer handler. The reply is always `success: true` or an error. */
export function destroyContainerHandler(deps: HandlerDeps): AgentServiceHandlers['DestroyContainer'] {
  return unary(deps.log, async (req, { signal }) => {
    const containerId = requireContainerId(req.container_id);
    const ownerId = requireOwnerId(req.owner_id);
    try {
      await failingWith('failed to destroy container', () =>
        deps.supervisor.destroy(containerId, ownerId, { signal }),
      );
    } catch (err) {
      if (!(err instanceof AgentError && err.code === 'NOT_FOUND')) throw err;
    }
    return { success: true };
  });
}
