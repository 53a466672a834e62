/**
 * gRPC message sizes consistent with the invoke limits (contract §8.8: the Go agent capped
 * bodies at 10 MiB while grpc-go's 4 MiB receive default and the gateway's 4 MiB client
 * default capped first). The server sets its options from {@link grpcMessageLimits}; the
 * gateway's channel needs `grpc.max_receive_message_length` ≥ `maxSendMessageLength`.
 */

/** Default response cap (AGENT_INVOKE_MAX_RESPONSE_SIZE), as the Go agent. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Default request payload cap: Lambda's synchronous invoke limit (6 MiB). */
export const DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
/**
 * Room for everything in an InvokeWorker message besides the body: ids, path (≤ 8 KiB),
 * status, header map (a worker's header block is ≤ 16 KiB) and protobuf framing.
 */
export const MESSAGE_OVERHEAD_BYTES = 64 * 1024;
/** gRPC's own default receive limit; never go below it (other RPCs rely on it). */
const GRPC_DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024;

export interface MessageLimitsInput {
  /** Cap on a worker's response body. @default 10 MiB */
  maxResponseBytes?: number;
  /** Cap on an InvokeWorker request payload. @default 6 MiB */
  maxRequestBytes?: number;
  /** @default {@link MESSAGE_OVERHEAD_BYTES} */
  overheadBytes?: number;
}

export interface MessageLimits {
  /** For `grpc.max_receive_message_length` (largest InvokeWorkerRequest, at least 4 MiB). */
  maxReceiveMessageLength: number;
  /** For `grpc.max_send_message_length` (largest InvokeWorkerResponse, at least 4 MiB). */
  maxSendMessageLength: number;
}

/**
 * The gRPC server's max receive/send sizes for the given body caps: each cap plus the message
 * overhead, never below gRPC's 4 MiB default. Pure.
 * @throws RangeError when a cap is not a positive safe integer.
 */
export function grpcMessageLimits(input: MessageLimitsInput = {}): MessageLimits {
  const response = input.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const request = input.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const overhead = input.overheadBytes ?? MESSAGE_OVERHEAD_BYTES;
  for (const [name, v] of [['maxResponseBytes', response], ['maxRequestBytes', request], ['overheadBytes', overhead]] as const) {
    if (!Number.isSafeInteger(v) || v < (name === 'overheadBytes' ? 0 : 1)) {
      throw new RangeError(`${name} must be a positive integer, got ${v}`);
    }
  }
  return {
    maxReceiveMessageLength: Math.max(GRPC_DEFAULT_MAX_MESSAGE, request + overhead),
    maxSendMessageLength: Math.max(GRPC_DEFAULT_MAX_MESSAGE, response + overhead),
  };
}
