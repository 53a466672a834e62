/**
 * One structured log line per finished RPC (go-grpc-middleware's "finished call"), plus the
 * start/end hooks RPC metrics hang on. Covers every service on the server (AgentService,
 * health, reflection), including calls that end by deadline or cancellation.
 */
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { deadlineMs } from './handlers/call-signal.js';
import { goCodeName } from './status.js';

/** Hooks for RPC metrics (go-grpc-prometheus style). Exceptions thrown by hooks are logged, never propagated. */
export interface RpcHooks {
  /** A call arrived (`grpc_server_started_total`). */
  onRpcStart?: ((service: string, method: string) => void) | undefined;
  /**
   * A call finished (`grpc_server_handled_total`, `grpc_server_handling_seconds`).
   * `code` is Go's spelling (`OK`, `NotFound`, `Canceled`…), as in go-grpc-prometheus labels.
   */
  onRpcEnd?: ((service: string, method: string, code: string, seconds: number) => void) | undefined;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/** go-grpc-middleware's DefaultServerCodeToLevel. Pure. */
export function levelOf(code: grpc.status): Level {
  switch (code) {
    case grpc.status.OK:
    case grpc.status.CANCELLED:
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.NOT_FOUND:
    case grpc.status.ALREADY_EXISTS:
    case grpc.status.UNAUTHENTICATED:
      return 'info';
    case grpc.status.DEADLINE_EXCEEDED:
    case grpc.status.PERMISSION_DENIED:
    case grpc.status.RESOURCE_EXHAUSTED:
    case grpc.status.FAILED_PRECONDITION:
    case grpc.status.ABORTED:
    case grpc.status.OUT_OF_RANGE:
      return 'warn';
    default:
      return 'error';
  }
}

/** `/pkg.Service/Method` → service and method names. Pure. */
export function splitMethodPath(path: string): { service: string; method: string } {
  const [, service = 'unknown', method = 'unknown'] = path.split('/');
  return { service, method };
}

/** go-grpc-middleware's `grpc.method_type` of a method. Pure. */
export function methodType(descriptor: { requestStream: boolean; responseStream: boolean }): string {
  if (descriptor.requestStream) return descriptor.responseStream ? 'bidi_stream' : 'client_stream';
  return descriptor.responseStream ? 'server_stream' : 'unary';
}

/** Health probes that succeed are logged at debug, so orchestrator probes do not flood the log. */
const QUIET_SERVICES = new Set(['grpc.health.v1.Health']);

interface CallFields {
  container_id?: string;
  owner_id?: string;
}

/** Reads the ids a request or a reply carries (container_id/owner_id; WorkerInfo.id). */
function capture(fields: CallFields, message: unknown, fromReply: boolean): void {
  if (typeof message !== 'object' || message === null) return;
  const m = message as Record<string, unknown>;
  const id = fromReply ? m['id'] : m['container_id'];
  if (typeof id === 'string' && id !== '' && !fields.container_id) fields.container_id = id;
  if (!fromReply && typeof m['owner_id'] === 'string' && m['owner_id'] !== '') fields.owner_id = m['owner_id'].trim();
}

/** What every call of one method shares, worked out on its first call. */
interface MethodRecord {
  service: string;
  method: string;
  /**
   * The server logger with the method's constant fields bound (protocol, grpc.component,
   * grpc.service, grpc.method, grpc.method_type: serialised once, not per line) and no
   * redaction: the line holds only call metadata and ids, never a request's env.
   */
  log: Logger;
  /** Successful calls log at debug (health probes). */
  quiet: boolean;
}

/** What the log line of one call is made of, gathered while the call runs. */
interface CallRecord {
  /** Wall clock at the start, epoch ms (formatted only when the line is written). */
  startedAtMs: number;
  peer: string;
  fields: CallFields;
}

/** Methods remembered per server; a server has a few dozen at most, this only bounds the map. */
const MAX_METHOD_RECORDS = 1024;

/** Writes the "finished call" line (go-grpc-middleware's field names). */
function logFinished(m: MethodRecord, rec: CallRecord, code: grpc.status, details: string | undefined, seconds: number): void {
  const level = code === grpc.status.OK && m.quiet ? 'debug' : levelOf(code);
  if (!m.log.isLevelEnabled(level)) return;
  const line: Record<string, unknown> = {
    'grpc.start_time': new Date(rec.startedAtMs).toISOString(),
    'grpc.code': goCodeName(code),
    'grpc.time_ms': Math.round(seconds * 1e6) / 1e3,
  };
  if (code !== grpc.status.OK) line['grpc.error'] = details ?? '';
  line['peer.address'] = rec.peer;
  m.log[level](Object.assign(line, rec.fields), 'finished call');
}

/** Builds the interceptor. `log` should be the server's child logger. */
export function rpcInterceptor(log: Logger, hooks: RpcHooks = {}): grpc.ServerInterceptor {
  const safely = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.error({ err }, `RPC ${what} hook failed`);
    }
  };
  const methods = new Map<string, MethodRecord>();
  const methodRecord = (descriptor: grpc.ServerMethodDefinition<unknown, unknown>): MethodRecord => {
    const known = methods.get(descriptor.path);
    if (known !== undefined) return known;
    const { service, method } = splitMethodPath(descriptor.path);
    const bound = {
      protocol: 'grpc', 'grpc.component': 'server', 'grpc.service': service, 'grpc.method': method, 'grpc.method_type': methodType(descriptor),
    };
    const m: MethodRecord = { service, method, log: log.child(bound, { redact: [] }), quiet: QUIET_SERVICES.has(service) };
    if (methods.size < MAX_METHOD_RECORDS) methods.set(descriptor.path, m);
    return m;
  };
  return (descriptor, call) => {
    const m = methodRecord(descriptor);
    const { service, method } = m;
    const rec: CallRecord = { startedAtMs: Date.now(), peer: call.getPeer(), fields: {} };
    const startedAt = performance.now();
    let finished = false;
    const finish = (code: grpc.status, details: string | undefined): void => {
      if (finished) return;
      finished = true;
      const seconds = (performance.now() - startedAt) / 1000;
      logFinished(m, rec, code, details, seconds);
      if (hooks.onRpcEnd) safely('end', () => hooks.onRpcEnd?.(service, method, goCodeName(code), seconds));
    };
    if (hooks.onRpcStart) safely('start', () => hooks.onRpcStart?.(service, method));
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, nextMessage) => {
            capture(rec.fields, message, false);
            nextMessage(message);
          },
          onCancel: () => {
            const expired = Date.now() >= deadlineMs(call.getDeadline());
            finish(expired ? grpc.status.DEADLINE_EXCEEDED : grpc.status.CANCELLED, expired ? 'deadline exceeded' : 'call cancelled');
          },
        }),
      sendMessage: (message, next) => {
        capture(rec.fields, message, true);
        next(message);
      },
      sendStatus: (status, next) => {
        finish(status.code, status.details);
        next(status);
      },
    });
  };
}
