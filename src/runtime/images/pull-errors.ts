/**
 * The distinct, clear errors of a pull. Each names the reference and the registry so a log line
 * or an Ensure reply says what went wrong where. Pure constructors.
 */
import { AgentError } from '../../errors.js';

const step = 'pullImage';

/** Unknown repository, tag or digest (registry 404 / NAME_UNKNOWN / MANIFEST_UNKNOWN). */
export function imageNotFound(ref: string, registry: string, detail?: string): AgentError {
  return new AgentError('NOT_FOUND', `image "${ref}" not found in registry ${registry}${detail ? ` (${detail})` : ''}`, { step });
}

/** 401 after the challenge flow, or a refused token request. */
export function authFailed(ref: string, registry: string, detail: string): AgentError {
  return new AgentError('PERMISSION_DENIED', `registry ${registry} refused access to "${ref}": ${detail}`, { step });
}

/** Connect errors, timeouts or 5xx/429 after every retry. */
export function registryUnavailable(ref: string, registry: string, detail: string, cause?: unknown): AgentError {
  return new AgentError('UNAVAILABLE', `registry ${registry} is unreachable for "${ref}": ${detail}`, { step, cause });
}

/** Other unexpected registry replies (4xx we do not handle, bad bodies). */
export function registryError(ref: string, registry: string, detail: string): AgentError {
  return new AgentError('INTERNAL', `registry ${registry} failed for "${ref}": ${detail}`, { step });
}

/** The content store or snapshotter ran out of space. */
export function diskFull(ref: string, detail: string, cause?: unknown): AgentError {
  return new AgentError('RESOURCE_EXHAUSTED', `no space left while storing "${ref}" in containerd: ${detail}`, { step, cause });
}

/** IMAGE_PULL_POLICY=never and the image is not in the namespace. */
export function imageAbsentNeverPull(ref: string, namespace: string): AgentError {
  return new AgentError(
    'NOT_FOUND',
    `image "${ref}" is not present in containerd namespace "${namespace}" and IMAGE_PULL_POLICY=never forbids pulling it (import it with \`esb-agent image import\`)`,
    { step },
  );
}

/** Pure. True when a message says the disk is full (ENOSPC from the daemon or our own writes). */
export function isDiskFullMessage(text: string): boolean {
  return /ENOSPC|no space left on device|disk quota exceeded|EDQUOT/i.test(text);
}
