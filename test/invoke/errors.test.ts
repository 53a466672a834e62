import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { abortCode, classifyTransportError, transportError } from '../../src/invoke/errors.js';

const err = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('classifyTransportError', () => {
  it.each([
    ['ECONNREFUSED', false, 'retryable'],
    ['ECONNREFUSED', true, 'retryable'],
    ['UND_ERR_DESTROYED', false, 'retryable'],
    ['UND_ERR_CLOSED', false, 'retryable'],
    ['UND_ERR_CONNECT_TIMEOUT', false, 'notSent'],
    ['EHOSTUNREACH', false, 'notSent'],
    ['UND_ERR_DESTROYED', true, 'unknownOutcome'],
    ['UND_ERR_SOCKET', true, 'unknownOutcome'],
    ['ECONNRESET', true, 'unknownOutcome'],
    ['UND_ERR_HEADERS_TIMEOUT', true, 'unknownOutcome'],
  ])('classifies %s (sent: %s) as %s', (code, sent, expected) => {
    expect(classifyTransportError(err(code), sent)).toBe(expected);
  });

  it('says whether the request was sent in the UNAVAILABLE message', () => {
    expect(transportError(err('ECONNRESET', 'read ECONNRESET'), 'w1', true).message)
      .toBe('connection to worker w1 failed after the request may have been delivered: read ECONNRESET; the invocation outcome is unknown and it was not retried');
    expect(transportError(err('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'w1', false).message)
      .toBe('worker w1 unreachable: Connect Timeout Error (UND_ERR_CONNECT_TIMEOUT); the request was not sent');
  });
});

describe('abortCode', () => {
  it('keeps an AgentError reason, maps TimeoutError to DEADLINE_EXCEEDED and the rest to CANCELLED', () => {
    expect(abortCode(new AgentError('DEADLINE_EXCEEDED', 'deadline exceeded'))).toBe('DEADLINE_EXCEEDED');
    expect(abortCode(new AgentError('CANCELLED', 'call cancelled by the client'))).toBe('CANCELLED');
    expect(abortCode(new DOMException('t', 'TimeoutError'))).toBe('DEADLINE_EXCEEDED');
    expect(abortCode(new DOMException('t', 'AbortError'))).toBe('CANCELLED');
    expect(abortCode(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe('DEADLINE_EXCEEDED');
    expect(abortCode(undefined)).toBe('CANCELLED');
  });
});
