/**
 * Runtime failures keep the Go agent's message prefixes ("failed to pause container: …");
 * the caller's own mistakes and the call's own end keep their code and message unchanged.
 */
import { AgentError, type ErrorCode } from '../../errors.js';

/** Codes that describe the request or the call, not a failure of the runtime. */
const CALLER_SIDE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'FAILED_PRECONDITION',
  'CANCELLED',
  'DEADLINE_EXCEEDED',
]);

/**
 * `err` with `prefix: ` in front of its message when it is a runtime-side AgentError (unless
 * the message already starts with it). Other AgentErrors and non-AgentErrors (bugs, reported
 * generically by status.ts) are returned as they are. Pure.
 */
export function withFailurePrefix(prefix: string, err: unknown): unknown {
  if (!(err instanceof AgentError) || CALLER_SIDE.has(err.code)) return err;
  if (err.message.startsWith(`${prefix}: `)) return err;
  const opts = err.step === undefined ? { cause: err } : { cause: err, step: err.step };
  return new AgentError(err.code, `${prefix}: ${err.message}`, opts);
}

/** Runs `fn` and rethrows its failure through {@link withFailurePrefix}. */
export async function failingWith<T>(prefix: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw withFailurePrefix(prefix, err);
  }
}
