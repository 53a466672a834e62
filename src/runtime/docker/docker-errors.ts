/**
 * Translates what dockerode/docker-modem throw (HTTP status errors, socket errors, aborts)
 * into {@link AgentError} at the adapter's edge. Pure.
 */
import { AgentError, type ErrorCode } from '../../errors.js';

/** The fields docker-modem puts on its errors (and Node on socket errors). */
interface ModemErrorLike {
  message?: string;
  statusCode?: number;
  code?: string;
  name?: string;
  json?: unknown;
  reason?: string;
}

const SOCKET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** The daemon's own message (`{"message": …}`), else the modem's text without its prefix. Pure. */
export function dockerMessage(err: unknown): string {
  const e = (err ?? {}) as ModemErrorLike;
  const json = e.json as { message?: unknown } | undefined;
  if (json && typeof json === 'object' && typeof json.message === 'string' && json.message.trim()) {
    return json.message.trim();
  }
  if (typeof e.json === 'string' && e.json.trim()) return e.json.trim();
  const raw = typeof e.message === 'string' ? e.message : String(err);
  // docker-modem: "(HTTP code 404) no such container - No such container: x "; a 304 has no
  // body, only the reason: "(HTTP code 304) container already stopped - "
  const m = /^\(HTTP code \d+\) ([^-]*)-(.*)$/s.exec(raw.trim());
  if (!m) return raw.trim();
  return (m[2]?.trim() || m[1]?.trim() || raw).trim();
}

const UNSTARTABLE = /OCI runtime (create|start|exec) failed|starting container process caused|executable file not found|exec format error/i;

/** The code for a 409 by its meaning: a name clash is ALREADY_EXISTS, a wrong state FAILED_PRECONDITION. */
function conflictCode(msg: string): ErrorCode {
  return /already in use|already exists/i.test(msg) ? 'ALREADY_EXISTS' : 'FAILED_PRECONDITION';
}

/** The code for a 500: daemon-side plumbing trouble is UNAVAILABLE, an unstartable image FAILED_PRECONDITION. */
function serverErrorCode(msg: string): ErrorCode {
  if (/connection refused|transport is closing|error while dialing|dial unix|Unavailable|daemon is not running/i.test(msg)) {
    return 'UNAVAILABLE';
  }
  if (/no such (image|container)|not found|manifest unknown/i.test(msg)) return 'NOT_FOUND';
  return 'INTERNAL';
}

/** Our code for an HTTP status from dockerd. Pure. */
export function codeForStatus(status: number, msg: string): ErrorCode {
  // dockerd 20.10 answers an unstartable image (bad entrypoint) with 400 or 500: the image's
  // fault, not a malformed request and not an agent failure.
  if (UNSTARTABLE.test(msg)) return 'FAILED_PRECONDITION';
  if (status === 400) return 'INVALID_ARGUMENT';
  if (status === 401 || status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return conflictCode(msg);
  if (status === 304) return 'FAILED_PRECONDITION';
  if (status === 503 || status === 502 || status === 504) return 'UNAVAILABLE';
  if (status >= 500) return serverErrorCode(msg);
  return 'INTERNAL';
}

/**
 * Maps any error from a Docker call to an AgentError whose message starts with `what`
 * (e.g. `create container esb-dev-fn-1a2b3c4d`). AgentErrors pass through unchanged. Pure.
 */
export function mapDockerError(err: unknown, what: string, step: string, endpoint?: string): AgentError {
  if (err instanceof AgentError) return err;
  const e = (err ?? {}) as ModemErrorLike;
  const msg = dockerMessage(err);
  if (typeof e.statusCode === 'number') {
    return new AgentError(codeForStatus(e.statusCode, msg), `${what}: ${msg}`, { cause: err, step });
  }
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') {
    return new AgentError('CANCELLED', `${what}: cancelled`, { cause: err, step });
  }
  if (e.code === 'ETIMEDOUT') {
    return new AgentError('DEADLINE_EXCEEDED', `${what}: ${msg}`, { cause: err, step });
  }
  if (e.code === 'EACCES') {
    return new AgentError('UNAVAILABLE', `${what}: permission denied on the Docker socket${endpoint ? ` ${endpoint}` : ''}`, { cause: err, step });
  }
  if ((e.code && SOCKET_UNAVAILABLE.has(e.code)) || /socket hang up/i.test(msg)) {
    const where = endpoint ? ` at ${endpoint}` : '';
    return new AgentError('UNAVAILABLE', `${what}: Docker daemon unreachable${where} (${e.code ?? msg})`, { cause: err, step });
  }
  return new AgentError('INTERNAL', `${what}: ${msg}`, { cause: err, step });
}
