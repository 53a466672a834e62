/**
 * The only place an error becomes a gRPC status. An {@link AgentError} keeps its code and its
 * message; anything else is a bug on our side and goes out as INTERNAL with a generic message,
 * while its stack goes to the log (the caller learns nothing about our internals).
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AgentError, type ErrorCode } from '../errors.js';

/** What a unary handler passes to its callback on failure. */
export interface StatusObject {
  code: GrpcStatus;
  details: string;
}

/** The message a client sees for an error that is not an AgentError. */
export const GENERIC_INTERNAL_MESSAGE = 'internal error';

/**
 * The gRPC code of an agent error code. Pure. Exhaustive on purpose (no `default`): a new
 * ErrorCode does not compile until it is mapped here.
 */
export function grpcCodeOf(code: ErrorCode): GrpcStatus {
  switch (code) {
    case 'INVALID_ARGUMENT':
      return GrpcStatus.INVALID_ARGUMENT;
    case 'NOT_FOUND':
      return GrpcStatus.NOT_FOUND;
    case 'ALREADY_EXISTS':
      return GrpcStatus.ALREADY_EXISTS;
    case 'PERMISSION_DENIED':
      return GrpcStatus.PERMISSION_DENIED;
    case 'FAILED_PRECONDITION':
      return GrpcStatus.FAILED_PRECONDITION;
    case 'RESOURCE_EXHAUSTED':
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 'UNAVAILABLE':
      return GrpcStatus.UNAVAILABLE;
    case 'DEADLINE_EXCEEDED':
      return GrpcStatus.DEADLINE_EXCEEDED;
    case 'CANCELLED':
      return GrpcStatus.CANCELLED;
    case 'UNIMPLEMENTED':
      return GrpcStatus.UNIMPLEMENTED;
    case 'INTERNAL':
      return GrpcStatus.INTERNAL;
  }
}

/**
 * Turns anything a handler threw into the status the client gets. An AgentError keeps its
 * code and message. Anything else is logged with its stack at error level and becomes
 * INTERNAL {@link GENERIC_INTERNAL_MESSAGE}.
 */
export function toGrpcStatus(err: unknown, log?: Pick<Logger, 'error'>): StatusObject {
  if (err instanceof AgentError) {
    return { code: grpcCodeOf(err.code), details: err.message };
  }
  log?.error({ err }, 'unexpected error in RPC handler');
  return { code: GrpcStatus.INTERNAL, details: GENERIC_INTERNAL_MESSAGE };
}

/**
 * Go's `codes.Code.String()` spelling of a gRPC code (`OK`, `NotFound`, `Canceled`…), which is
 * what go-grpc-prometheus puts in its `grpc_code` label. Pure.
 */
export function goCodeName(code: GrpcStatus): string {
  return GO_CODE_NAMES[code] ?? `Code(${code})`;
}

const GO_CODE_NAMES: Record<number, string> = {
  [GrpcStatus.OK]: 'OK',
  [GrpcStatus.CANCELLED]: 'Canceled',
  [GrpcStatus.UNKNOWN]: 'Unknown',
  [GrpcStatus.INVALID_ARGUMENT]: 'InvalidArgument',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [GrpcStatus.NOT_FOUND]: 'NotFound',
  [GrpcStatus.ALREADY_EXISTS]: 'AlreadyExists',
  [GrpcStatus.PERMISSION_DENIED]: 'PermissionDenied',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [GrpcStatus.FAILED_PRECONDITION]: 'FailedPrecondition',
  [GrpcStatus.ABORTED]: 'Aborted',
  [GrpcStatus.OUT_OF_RANGE]: 'OutOfRange',
  [GrpcStatus.UNIMPLEMENTED]: 'Unimplemented',
  [GrpcStatus.INTERNAL]: 'Internal',
  [GrpcStatus.UNAVAILABLE]: 'Unavailable',
  [GrpcStatus.DATA_LOSS]: 'DataLoss',
  [GrpcStatus.UNAUTHENTICATED]: 'Unauthenticated',
};
