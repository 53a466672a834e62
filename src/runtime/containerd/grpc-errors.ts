/**
 * Maps containerd's gRPC errors (errdefs classes) to AgentError at this edge.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { AgentError, type ErrorCode } from '../../errors.js';

const CODE_MAP: Partial<Record<number, ErrorCode>> = {
  [GrpcStatus.CANCELLED]: 'CANCELLED',
  [GrpcStatus.INVALID_ARGUMENT]: 'INVALID_ARGUMENT',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'DEADLINE_EXCEEDED',
  [GrpcStatus.NOT_FOUND]: 'NOT_FOUND',
  [GrpcStatus.ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [GrpcStatus.PERMISSION_DENIED]: 'PERMISSION_DENIED',
  [GrpcStatus.UNAUTHENTICATED]: 'PERMISSION_DENIED',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'RESOURCE_EXHAUSTED',
  [GrpcStatus.FAILED_PRECONDITION]: 'FAILED_PRECONDITION',
  [GrpcStatus.ABORTED]: 'FAILED_PRECONDITION',
  [GrpcStatus.OUT_OF_RANGE]: 'INVALID_ARGUMENT',
  [GrpcStatus.UNIMPLEMENTED]: 'UNIMPLEMENTED',
  [GrpcStatus.UNAVAILABLE]: 'UNAVAILABLE',
};

/** Shape of a grpc-js call error. */
interface GrpcCallError {
  code?: number;
  details?: string;
  message?: string;
}

/**
 * Pure. Converts a grpc-js error from containerd into an AgentError whose message starts with
 * `context` (e.g. `containerd Tasks.Start esb-dev-fn-1234abcd`). UNKNOWN and INTERNAL (runc and
 * shim state errors arrive as UNKNOWN) become INTERNAL; AgentErrors pass through.
 */
export function mapContainerdError(err: unknown, context: string): AgentError {
  if (err instanceof AgentError) return err;
  const e = (err ?? {}) as GrpcCallError;
  const detail = (e.details || e.message || String(err)).trim();
  let code: ErrorCode = (typeof e.code === 'number' && CODE_MAP[e.code]) || 'INTERNAL';
  // containerd forwards the shim's context errors as UNKNOWN with the Go text.
  if (code === 'INTERNAL' && /context deadline exceeded/i.test(detail)) code = 'DEADLINE_EXCEEDED';
  if (code === 'INTERNAL' && /context canceled/i.test(detail)) code = 'CANCELLED';
  // An image whose entrypoint cannot be executed is the caller's problem, as in the Docker adapter.
  if (code === 'INTERNAL' && /exec: .*(no such file or directory|executable file not found|permission denied)/i.test(detail)) code = 'FAILED_PRECONDITION';
  let message = `${context}: ${detail}`;
  if (code === 'UNAVAILABLE' && /ENOENT|ECONNREFUSED|No connection established/i.test(detail)) {
    message = `${context}: containerd is not reachable (${detail})`;
  }
  return new AgentError(code, message, { cause: err, step: 'containerd' });
}

/** True when `err` (AgentError or raw grpc error) means "not found". */
export function isNotFound(err: unknown): boolean {
  if (err instanceof AgentError) return err.code === 'NOT_FOUND';
  return (err as GrpcCallError | undefined)?.code === GrpcStatus.NOT_FOUND;
}

/** True when `err` means "already exists". */
export function isAlreadyExists(err: unknown): boolean {
  if (err instanceof AgentError) return err.code === 'ALREADY_EXISTS';
  return (err as GrpcCallError | undefined)?.code === GrpcStatus.ALREADY_EXISTS;
}
