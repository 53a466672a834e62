/**
 * The simulated runtime's scriptable fault plan: queued failures and hangs per operation,
 * matched against the call's target (worker name, function name or image).
 */
import { AgentError, type ErrorCode } from '../../errors.js';

/** The simulated runtime's operations, named after the `ContainerRuntime` methods. */
export type SimOp =
  | 'ensureImage'
  | 'create'
  | 'setupNetwork'
  | 'teardownNetwork'
  | 'start'
  | 'pause'
  | 'resume'
  | 'stop'
  | 'remove'
  | 'list'
  | 'metrics';

export const SIM_OPS: readonly SimOp[] = Object.freeze([
  'ensureImage', 'create', 'setupNetwork', 'teardownNetwork', 'start', 'pause', 'resume', 'stop', 'remove', 'list', 'metrics',
]);

/** What an operation acts on; a fault's `match` is tested against it. */
export interface FaultTarget {
  op: SimOp;
  /** Worker name (absent for `ensureImage` and `list`). */
  name?: string | undefined;
  functionName?: string | undefined;
  image?: string | undefined;
}

/** A string matches the target's name, function name or image; a function decides itself. */
export type FaultMatch = string | ((target: FaultTarget) => boolean);

/** An error to inject: an AgentError as is, or its code and message. */
export type FaultError = AgentError | { code: ErrorCode; message: string };

export interface FailSpec {
  match?: FaultMatch | undefined;
  error: FaultError;
  /** How many matching calls fail (default 1). */
  times?: number | undefined;
}

export interface HangSpec {
  match?: FaultMatch | undefined;
  /** Apply the operation's effect first, then hang (the daemon did it, the reply never came). */
  afterEffect?: boolean | undefined;
  /** How many matching calls hang (default 1). */
  times?: number | undefined;
}

export type Fault =
  | { kind: 'fail'; error: AgentError }
  | { kind: 'hang'; afterEffect: boolean };

interface Entry {
  op: SimOp;
  match: FaultMatch | undefined;
  remaining: number;
  fault: Fault;
}

/** True when `match` selects `target`. Pure. */
export function matchesTarget(match: FaultMatch | undefined, target: FaultTarget): boolean {
  if (match === undefined) return true;
  if (typeof match === 'function') return match(target);
  return match === target.name || match === target.functionName || match === target.image;
}

/** Builds the AgentError an injected fault throws, tagged with the operation as its step. */
export function toFaultError(op: SimOp, error: FaultError): AgentError {
  if (error instanceof AgentError) return error;
  return new AgentError(error.code, error.message, { step: op });
}

/** Ordered list of pending faults; the first entry matching a call is consumed. */
export class FaultPlan {
  readonly #entries: Entry[] = [];

  failNext(op: SimOp, spec: FailSpec): void {
    this.#push(op, spec.match, spec.times, { kind: 'fail', error: toFaultError(op, spec.error) });
  }

  hang(op: SimOp, spec: HangSpec = {}): void {
    this.#push(op, spec.match, spec.times, { kind: 'hang', afterEffect: spec.afterEffect ?? false });
  }

  /** Consumes and returns the first fault that applies to `target`, if any. */
  take(target: FaultTarget): Fault | undefined {
    if (this.#entries.length === 0) return undefined;
    const i = this.#entries.findIndex((e) => e.op === target.op && matchesTarget(e.match, target));
    if (i < 0) return undefined;
    const entry = this.#entries[i]!;
    if (--entry.remaining <= 0) this.#entries.splice(i, 1);
    return entry.fault;
  }

  /** Faults not yet consumed (for assertions). */
  pending(): number {
    return this.#entries.length;
  }

  clear(): void {
    this.#entries.length = 0;
  }

  #push(op: SimOp, match: FaultMatch | undefined, times: number | undefined, fault: Fault): void {
    const remaining = times ?? 1;
    if (!Number.isInteger(remaining) || remaining < 1) throw new TypeError(`times must be a positive integer, got ${remaining}`);
    this.#entries.push({ op, match, remaining, fault });
  }
}
