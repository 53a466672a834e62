/**
 * The shape every AgentService handler shares: run an async body with the call's AbortSignal,
 * answer exactly once, and turn any thrown error into a status through `status.ts` only.
 */
import type { handleUnaryCall, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AgentError } from '../../errors.js';
import { toGrpcStatus } from '../status.js';
import { callSignal } from './call-signal.js';

/** What a handler body gets besides its request. */
export interface CallContext {
  /** Aborted (with an AgentError reason) on deadline or cancellation. */
  signal: AbortSignal;
}

export type UnaryBody<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

/**
 * Wraps `body` into a grpc-js unary handler. When the call was aborted and the body failed
 * with something other than an AgentError (e.g. a DOMException from an aborted queue), the
 * abort reason is reported instead, so a cancel never shows up as INTERNAL.
 */
export function unary<Req, Res>(log: Logger, body: UnaryBody<Req, Res>): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const { signal, dispose } = callSignal(call);
    const fail = (err: unknown): void => {
      dispose();
      const reason: unknown = !(err instanceof AgentError) && signal.aborted ? signal.reason : err;
      callback(toGrpcStatus(reason, log));
    };
    let pending: Promise<Res>;
    try {
      pending = body(call.request, { signal });
    } catch (err) {
      fail(err);
      return;
    }
    pending.then((reply) => {
      dispose();
      callback(null, reply);
    }, fail);
  };
}
