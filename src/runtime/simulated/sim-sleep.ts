/**
 * Waiting and cancellation helpers of the simulated runtime.
 */
import { AgentError } from '../../errors.js';
import type { FaultTarget } from './fault-plan.js';

/**
 * Waits `ms` with the global `setTimeout` (so fake timers drive it), rejecting when `signal`
 * aborts.
 */
export function defaultSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The CANCELLED error of an aborted operation (the signal's reason when it is one). */
export function cancelled(target: FaultTarget, signal: AbortSignal | undefined): AgentError {
  const reason: unknown = signal?.reason;
  if (reason instanceof AgentError && reason.code === 'CANCELLED') return reason;
  const what = target.name ?? target.image;
  return new AgentError('CANCELLED', `${target.op}${what ? ` of ${what}` : ''} cancelled`, { step: target.op, cause: reason });
}
