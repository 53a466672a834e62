/**
 * Request-shape checks shared by the handlers, with the Go agent's exact messages
 * (contract §1.0–§1.6). Each returns the value to use from then on or throws
 * AgentError INVALID_ARGUMENT. Pure.
 */
import { AgentError } from '../../errors.js';

/** `owner_id` trimmed; empty → "owner_id is required". */
export function requireOwnerId(ownerId: string | undefined): string {
  const trimmed = (ownerId ?? '').trim();
  if (trimmed === '') throw new AgentError('INVALID_ARGUMENT', 'owner_id is required');
  return trimmed;
}

/** `container_id` as given (not trimmed, like the Go agent); empty → "container_id is required". */
export function requireContainerId(containerId: string | undefined): string {
  if (!containerId) throw new AgentError('INVALID_ARGUMENT', 'container_id is required');
  return containerId;
}

/**
 * `function_name` as given: only the empty string is refused here ("function_name is
 * required"); a name that cannot form a container name is refused by the supervisor.
 */
export function requireFunctionName(functionName: string | undefined): string {
  if (!functionName) throw new AgentError('INVALID_ARGUMENT', 'function_name is required');
  return functionName;
}

/** `image` trimmed; empty → "image is required". */
export function requireImage(image: string | undefined): string {
  const trimmed = (image ?? '').trim();
  if (trimmed === '') throw new AgentError('INVALID_ARGUMENT', 'image is required');
  return trimmed;
}
