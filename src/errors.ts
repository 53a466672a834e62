/**
 * The agent's error vocabulary. Every failure that crosses a module boundary is an
 * {@link AgentError} with one of these codes; adapters translate their daemon's errors
 * into it at their own edge, and only `src/server/status.ts` turns it into a gRPC status.
 * The codes mirror gRPC's so the mapping is one-to-one.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'CANCELLED'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

/** JSON-safe form of an error, as kept in machine context and written to journals. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  /** Which step or component produced the error (e.g. `pullImage`, `containerd`). */
  step?: string;
}

export class AgentError extends Error {
  override readonly name = 'AgentError';
  readonly code: ErrorCode;
  readonly step: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; step?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.step = options?.step;
  }

  /** JSON-safe data (no stack, no cause) for journals and machine context. */
  toJSON(): ErrorData {
    return this.step === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, step: this.step };
  }

  /** Rebuilds an error from its JSON form. */
  static fromJSON(data: ErrorData): AgentError {
    return new AgentError(data.code, data.message, data.step === undefined ? {} : { step: data.step });
  }
}

/** True when `err` is an AgentError with the given code. Walks the `cause` chain. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof AgentError && e.code === code) return true;
  }
  return false;
}

/**
 * Converts anything thrown into an AgentError. An AbortError becomes CANCELLED; anything
 * that is not already an AgentError becomes INTERNAL with `context` prefixed to its message.
 */
export function toAgentError(err: unknown, context?: string, step?: string): AgentError {
  if (err instanceof AgentError) return err;
  const base = err instanceof Error ? err.message : String(err);
  const message = context ? `${context}: ${base}` : base;
  const opts = step === undefined ? { cause: err } : { cause: err, step };
  if (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')) {
    return new AgentError('CANCELLED', message, opts);
  }
  return new AgentError('INTERNAL', message, opts);
}
