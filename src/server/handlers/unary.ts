/**
 * The shape every AgentService handler shares: run an async body with the call's AbortSignal,
 * answer exactly once, and turn any thrown error into a status through `status.ts` only.
 */
import type { handleUnaryCall, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AgentError } from '../../errors.js';
import { toGrpcStatus } from '../status.js';
import { callSignal, type CallSignal } from './call-signal.js';

/**
 * What a handler body gets besides its request: the call's cancellation, as an AbortSignal
 * (`signal`, aborted with an AgentError reason on deadline or cancellation, made on first
 * read) or as callbacks (`onAbort`, `aborted`, `reason`: no AbortSignal is made).
 */
export type CallContext = Pick<CallSignal, 'signal' | 'aborted' | 'reason' | 'onAbort'>;

export type UnaryBody<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

/**
 * Wraps `body` into a grpc-js unary handler. When the call was aborted and the body failed
 * with something other than an AgentError (e.g. a DOMException from an aborted queue), the
 * abort reason is reported instead, so a cancel never shows up as INTERNAL.
 */
export function unary<Req, Res>(log: Logger, body: UnaryBody<Req, Res>): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const watch = callSignal(call);
    const fail = (err: unknown): void => {
      watch.dispose();
      const reason: unknown = !(err instanceof AgentError) && watch.aborted ? watch.reason : err;
      callback(toGrpcStatus(reason, log));
    };
    let pending: Promise<Res>;
    try {
      pending = body(call.request, watch);
    } catch (err) {
      fail(err);
      return;
    }
    pending.then((reply) => {
      watch.dispose();
      callback(null, reply);
    }, fail);
  };
}
