/**
 * EnsureContainer: validates function_name (not trimmed), owner_id, then image (trimmed), in
 * that order, and asks the supervisor for a new running worker. Contract §1.1.
 */
import type { AgentServiceHandlers } from '../generated/esb/agent/v1/AgentService.js';
import type { HandlerDeps } from './deps.js';
import { failingWith } from './failure.js';
import { toWorkerInfo } from './replies.js';
import { unary } from './unary.js';
import { requireFunctionName, requireImage, requireOwnerId } from './validation.js';

/** Builds the EnsureContainer handler. Cancelling the call destroys the half-made worker (supervisor). */
export function ensureContainerHandler(deps: HandlerDeps): AgentServiceHandlers['EnsureContainer'] {
  return unary(deps.log, async (req, { signal }) => {
    const functionName = requireFunctionName(req.function_name);
    const ownerId = requireOwnerId(req.owner_id);
    const image = requireImage(req.image);
    const env = req.env ?? {};
    const view = await failingWith('failed to ensure container', () =>
      deps.supervisor.ensure({ functionName, image, env, ownerId }, { signal }),
    );
    return toWorkerInfo(view);
  });
}
