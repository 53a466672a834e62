/**
 * What a worker's machine state means for an invocation (WorkerView.state is the dotted state
 * path). Pure.
 */
import { AgentError } from '../errors.js';
import type { WorkerView } from '../machines/worker-types.js';

export type InvokeReadiness =
  /** Invocable now. */
  | 'running'
  /** On its way to running: wait (bounded by the deadline). */
  | 'starting'
  /** Paused or pausing: FAILED_PRECONDITION, or resume first when auto-resume is on. */
  | 'paused'
  /** Will never serve again (exited, failed, being destroyed): NOT_FOUND. */
  | 'gone';

const STARTING = new Set(['pulling', 'creating', 'netSetup', 'starting', 'readying', 'resuming']);

/**
 * Classifies a machine state path. Everything else (`stopped`, `failed`, `releaseFailed`,
 * `destroying.*`, `destroyed`, and any state this module does not know) counts as gone. Pure.
 */
export function readinessOf(state: string): InvokeReadiness {
  if (state === 'running') return 'running';
  if (state === 'paused' || state === 'pausing') return 'paused';
  if (STARTING.has(state)) return 'starting';
  return 'gone';
}

/**
 * The error for a worker that cannot serve: NOT_FOUND, chosen over FAILED_PRECONDITION for
 * stopped/failed workers because the gateway heals on NOT_FOUND (evicts the worker and retries
 * on another, contract §6.4) and such a worker can never serve again. Pure.
 */
export function goneError(view: WorkerView): AgentError {
  const exit = view.exitCode === undefined ? '' : `, exit code ${view.exitCode}`;
  return new AgentError('NOT_FOUND', `worker ${view.name} is not running (state ${view.state}${exit})`, { step: 'invoke' });
}

/** The error for a paused worker when auto-resume is off. Pure. */
export function pausedError(view: WorkerView): AgentError {
  return new AgentError(
    'FAILED_PRECONDITION',
    `worker ${view.name} is ${view.state}; call ResumeContainer first (or run the agent with AGENT_INVOKE_AUTO_RESUME=1)`,
    { step: 'invoke' },
  );
}
