/**
 * Codes and messages for image pull failures, whether dockerd rejected the request (HTTP
 * status) or reported the failure inside the progress stream. Pure.
 */
import { AgentError, type ErrorCode } from '../../errors.js';

/** The code for an in-stream pull error message. Pure. */
export function pullErrorCode(message: string): ErrorCode {
  if (/manifest unknown|not found|does not exist|no such host|repository .* not found/i.test(message)) return 'NOT_FOUND';
  if (/unauthorized|authentication required|denied/i.test(message)) return 'PERMISSION_DENIED';
  if (/connection refused|i\/o timeout|timeout|TLS handshake|connection reset|EOF|unreachable|server gave HTTP response to HTTPS client/i.test(message)) {
    return 'UNAVAILABLE';
  }
  if (/no space left on device/i.test(message)) return 'RESOURCE_EXHAUSTED';
  if (/invalid reference format/i.test(message)) return 'INVALID_ARGUMENT';
  return 'INTERNAL';
}

/** The error for a pull that the daemon reported failed inside its stream. Pure. */
export function inStreamPullError(ref: string, message: string): AgentError {
  return new AgentError(pullErrorCode(message), `pull image ${ref}: ${message}`, { step: 'pullImage' });
}

/**
 * Splits a reference into the `fromImage` / `tag` parameters of `POST /images/create`.
 * A digest goes in `tag` (as the Docker CLI does); no tag means `latest`. Pure.
 */
export function splitReference(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}
