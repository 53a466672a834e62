/**
 * PauseContainer and ResumeContainer: validate container_id then owner_id, find the worker
 * through the supervisor (NOT_FOUND / PERMISSION_DENIED from actor state), ask the machine
 * whether it accepts the command, then send it. Contract §1.3.
 */
import { AgentError } from '../../errors.js';
import type { AgentServiceHandlers } from '../generated/esb/agent/v1/AgentService.js';
import type { HandlerDeps } from './deps.js';
import { failingWith } from './failure.js';
import { unary } from './unary.js';
import { requireContainerId, requireOwnerId } from './validation.js';

interface CommandRequest {
  container_id: string;
  owner_id: string;
}

function commandHandler(deps: HandlerDeps, command: 'pause' | 'resume') {
  return unary<CommandRequest, { success: boolean }>(deps.log, async (req, { signal }) => {
    const containerId = requireContainerId(req.container_id);
    const ownerId = requireOwnerId(req.owner_id);
    const worker = deps.supervisor.lookup(containerId, ownerId);
    if (!worker.can(command)) {
      throw new AgentError('FAILED_PRECONDITION', `cannot ${command} container in state ${worker.view().state}`);
    }
    await failingWith(`failed to ${command} container`, () => worker.command(command, { signal }));
    return { success: true };
  });
}

/** Builds the PauseContainer handler; pausing a paused worker is FAILED_PRECONDITION. */
export function pauseContainerHandler(deps: HandlerDeps): AgentServiceHandlers['PauseContainer'] {
  return commandHandler(deps, 'pause');
}

/** Builds the ResumeContainer handler; resuming a running worker is FAILED_PRECONDITION. */
export function resumeContainerHandler(deps: HandlerDeps): AgentServiceHandlers['ResumeContainer'] {
  return commandHandler(deps, 'resume');
}
