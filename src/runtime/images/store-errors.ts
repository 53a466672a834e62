/** Turns containerd-side failures of a pull or import into the clear errors of pull-errors.ts. Pure. */
import { AgentError } from '../../errors.js';
import { diskFull, isDiskFullMessage } from './pull-errors.js';

/**
 * Pure. Disk full (ENOSPC text or RESOURCE_EXHAUSTED) → RESOURCE_EXHAUSTED naming the image;
 * a commit refused for its digest/size → INTERNAL digest mismatch; cancellation → CANCELLED;
 * other AgentErrors pass through; anything else becomes INTERNAL.
 */
export function mapStoreError(err: unknown, name: string, signal?: AbortSignal): AgentError {
  const msg = err instanceof Error ? err.message : String(err);
  if (isDiskFullMessage(msg) || (err instanceof AgentError && err.code === 'RESOURCE_EXHAUSTED')) return diskFull(name, msg, err);
  if (signal?.aborted && !(err instanceof AgentError && err.code !== 'CANCELLED')) {
    return new AgentError('CANCELLED', `pull of "${name}" cancelled`, { cause: err, step: 'pullImage' });
  }
  if (err instanceof AgentError && err.code === 'FAILED_PRECONDITION' && /unexpected commit (digest|size)/.test(msg)) {
    return new AgentError('INTERNAL', `digest mismatch while storing "${name}": ${msg}`, { cause: err, step: 'pullImage' });
  }
  if (err instanceof AgentError) return err;
  return new AgentError('INTERNAL', `pull of "${name}" failed: ${msg}`, { cause: err, step: 'pullImage' });
}
