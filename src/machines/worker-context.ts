/**
 * Pure helpers of the worker machine: the initial context built from the input, the
 * `step.run` command of each step, and the conversion of whatever a step failed with into
 * JSON-safe {@link ErrorData}.
 */
import type { ErrorCode, ErrorData } from '../errors.js';
import type { CommandResult, StepCommand, StepName, WorkerContext, WorkerInput } from './worker-types.js';

/** The port every worker's RIE-style HTTP server listens on. */
export const WORKER_PORT = 8080;

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'CANCELLED', 'UNIMPLEMENTED', 'INTERNAL',
]);

/**
 * Converts an actor's error (an AgentError, or its JSON form when replaying a journal, or anything
 * else) into ErrorData. The same value comes out for an AgentError and for its `toJSON()`, so a
 * replayed journal yields the same context. `step` fills in a missing step. Pure.
 */
export function toErrorData(err: unknown, step: string): ErrorData {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown; step?: unknown };
    if (typeof e.code === 'string' && CODES.has(e.code) && typeof e.message === 'string') {
      return { code: e.code as ErrorCode, message: e.message, step: typeof e.step === 'string' ? e.step : step };
    }
    if (typeof e.message === 'string') return { code: 'INTERNAL', message: e.message, step };
  }
  return { code: 'INTERNAL', message: String(err), step };
}

/** The context a worker starts with. Pure: every value comes from `input`. */
export function initialContext(input: WorkerInput): WorkerContext {
  const adopted = input.origin === 'adopted' ? input.adopted : undefined;
  const held = adopted !== undefined;
  return {
    spec: input.spec,
    networkPhase: input.networkPhase,
    stopGraceMs: input.stopGraceMs,
    // Only present when skipping, so contexts (and journals) of workers with readiness are unchanged.
    ...(input.readiness === false ? { skipReady: true as const } : {}),
    origin: input.origin,
    adoptedStatus: adopted?.status,
    containerId: adopted?.containerId ?? '',
    ipAddress: adopted?.ipAddress ?? '',
    port: WORKER_PORT,
    createdAt: input.createdAt,
    lastUsedAt: input.createdAt,
    held: { container: held, network: held, started: held },
    exitCode: adopted?.exitCode,
    oomKilled: false,
    destroyRequests: [],
  };
}

type StepErrorEvent = { error: unknown };

/** The `step.run` command for `step`, with its input taken from the context. Pure. */
export function stepCommand(step: StepName, c: WorkerContext): StepCommand {
  const name = c.spec.name;
  switch (step) {
    case 'pullImage': return { type: 'step.run', step, input: { image: c.spec.image, name } };
    case 'createContainer': return { type: 'step.run', step, input: { spec: c.spec } };
    case 'waitReady': return { type: 'step.run', step, input: { name, ipAddress: c.ipAddress, port: c.port } };
    case 'stopContainer': return { type: 'step.run', step, input: { name, graceMs: c.stopGraceMs } };
    default: return { type: 'step.run', step, input: { name } };
  }
}

/** ErrorData of a `step.failed.*` event. Pure. */
export function errorOf(event: object, step: string): ErrorData {
  return toErrorData((event as StepErrorEvent).error, step);
}

/** Marks the pause/resume in flight as failed (CANCELLED) when `by` interrupts it. Pure. */
export function interrupted(context: WorkerContext, by: string): Partial<WorkerContext> {
  if (!context.pendingCommand) return {};
  const error: ErrorData = {
    code: 'CANCELLED',
    message: `${context.pendingCommand.type} interrupted by ${by}`,
    step: context.pendingCommand.type === 'pause' ? 'pauseContainer' : 'resumeContainer',
  };
  return { lastCommand: commandResult(context.pendingCommand, false, error), pendingCommand: undefined };
}

/** The lastCommand record of a finished pause/resume. Pure. */
export function commandResult(
  pending: NonNullable<WorkerContext['pendingCommand']>, ok: boolean, error?: ErrorData,
): CommandResult {
  return error ? { requestId: pending.requestId, type: pending.type, ok, error } : { requestId: pending.requestId, type: pending.type, ok };
}

/** The error of a worker that exited while `readying`. Pure. */
export function exitedEarly(exitCode: number): ErrorData {
  return { code: 'UNAVAILABLE', message: `worker exited during startup with code ${exitCode}`, step: 'waitReady' };
}

/** The lastCommand record of the latest destroy request, if any. Pure. */
export function destroyOutcome(context: WorkerContext, ok: boolean, error?: ErrorData) {
  const requestId = context.destroyRequests.at(-1);
  if (requestId === undefined) return context.lastCommand;
  return { requestId, type: 'destroy' as const, ok, ...(error ? { error } : {}) };
}
