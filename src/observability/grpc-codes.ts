/**
 * gRPC status codes as go-grpc-prometheus labels them (`codes.Code.String()` in grpc-go), so a
 * dashboard or test written for the Go agent reads our `grpc_code` label unchanged.
 */

/** Go names indexed by the numeric gRPC status code (0..16). Note Go spells `Canceled`. */
export const GO_CODE_NAMES: readonly string[] = Object.freeze([
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange',
  'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
]);

const BY_UPPER_SNAKE = new Map<string, string>(
  GO_CODE_NAMES.map((name) => [name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(), name]),
);
BY_UPPER_SNAKE.set('CANCELLED', 'Canceled');
const BY_GO_NAME = new Set(GO_CODE_NAMES);

/**
 * Normalises a status code to its Go name. Accepts the number (`5`), the proto/AgentError
 * spelling (`NOT_FOUND`, `CANCELLED`) or the Go name itself (`NotFound`). Pure; unknown
 * values become `Unknown` (never throws: a metrics hook must not break an RPC).
 */
export function goCodeName(code: number | string): string {
  if (typeof code === 'number') return GO_CODE_NAMES[code] ?? 'Unknown';
  if (BY_GO_NAME.has(code)) return code;
  return BY_UPPER_SNAKE.get(code.toUpperCase()) ?? 'Unknown';
}
