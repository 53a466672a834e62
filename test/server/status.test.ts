import { status } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import { AgentError, type ErrorCode } from '../../src/errors.js';
import { goCodeName, grpcCodeOf, toGrpcStatus } from '../../src/server/status.js';

const CODES: ErrorCode[] = [
  'INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'CANCELLED', 'UNIMPLEMENTED', 'INTERNAL',
];

describe('status', () => {
  it.each(CODES)('maps %s to the gRPC code of the same name', (code) => {
    expect(status[grpcCodeOf(code)]).toBe(code);
  });
  it('keeps an AgentError’s message as the details', () => {
    expect(toGrpcStatus(new AgentError('NOT_FOUND', 'container_id not found'))).toEqual({ code: status.NOT_FOUND, details: 'container_id not found' });
  });
  it('turns anything else into INTERNAL with a generic message and logs the error', () => {
    const log = { error: vi.fn() };
    const err = new RangeError('private detail');
    expect(toGrpcStatus(err, log)).toEqual({ code: status.INTERNAL, details: 'internal error' });
    expect(log.error).toHaveBeenCalledWith({ err }, expect.any(String));
  });
  it('spells codes the way Go does (go-grpc-prometheus labels)', () => {
    expect([status.OK, status.CANCELLED, status.NOT_FOUND, status.DEADLINE_EXCEEDED].map(goCodeName)).toEqual(['OK', 'Canceled', 'NotFound', 'DeadlineExceeded']);
  });
});
