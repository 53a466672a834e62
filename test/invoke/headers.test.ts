import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { canonicalHeaderName, flattenResponseHeaders, forwardRequestHeaders } from '../../src/invoke/headers.js';

describe('canonicalHeaderName', () => {
  it.each([
    ['x-test', 'X-Test'],
    ['CONTENT-TYPE', 'Content-Type'],
    ['x-amzn-trace-id', 'X-Amzn-Trace-Id'],
    ['x--a', 'X--A'],
    ['etag', 'Etag'],
    ['bad header', 'bad header'],
  ])('turns %j into %j like Go', (input, expected) => {
    expect(canonicalHeaderName(input)).toBe(expected);
  });
});

describe('forwardRequestHeaders', () => {
  it('drops hop-by-hop headers, Host, Content-Length and headers named in Connection', () => {
    const out = forwardRequestHeaders({
      'content-type': 'application/json', 'X-Amz-Client-Context': 'e30=',
      Connection: 'close, X-Hop', 'x-hop': '1', 'Keep-Alive': 'timeout=5', 'Proxy-Authorization': 'x',
      'proxy-connection': 'x', TE: 'trailers', Trailer: 'x', 'Transfer-Encoding': 'chunked', Upgrade: 'h2c',
      Host: 'evil', 'Content-Length': '999', '': 'ignored',
    });
    expect(out).toEqual({ 'Content-Type': 'application/json', 'X-Amz-Client-Context': 'e30=' });
  });

  it('keeps the last of two names that differ only by case (Go Header.Set)', () => {
    expect(forwardRequestHeaders({ 'x-a': '1', 'X-A': '2' })).toEqual({ 'X-A': '2' });
  });

  it.each([
    [{ 'x-a': 'v\r\nX-Injected: 1' }],
    [{ 'x-a': 'v\n' }],
    [{ 'bad name': 'v' }],
    [{ 'x:y': 'v' }],
  ])('refuses %j with INVALID_ARGUMENT', (headers) => {
    expect(() => forwardRequestHeaders(headers)).toThrow(AgentError);
    try {
      forwardRequestHeaders(headers);
    } catch (e) {
      expect((e as AgentError).code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('flattenResponseHeaders', () => {
  it('joins repeated values with ", ", Set-Cookie with a newline, and drops hop-by-hop ones', () => {
    expect(flattenResponseHeaders({
      'x-multi': ['a', 'b'], 'set-cookie': ['a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'b=2'],
      'content-length': '3', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked',
      'x-amz-function-error': 'Unhandled', skipped: undefined,
    })).toEqual({
      'X-Multi': 'a, b', 'Set-Cookie': 'a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nb=2',
      'Content-Length': '3', 'X-Amz-Function-Error': 'Unhandled',
    });
  });
});
