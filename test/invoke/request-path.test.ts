import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { DEFAULT_INVOKE_PATH, resolveInvokePath } from '../../src/invoke/request-path.js';

describe('resolveInvokePath', () => {
  it.each([
    ['', DEFAULT_INVOKE_PATH],
    [undefined, DEFAULT_INVOKE_PATH],
    ['/2015-03-31/functions/function/invocations', '/2015-03-31/functions/function/invocations'],
    ['2015-03-31/functions/function/invocations', '/2015-03-31/functions/function/invocations'],
    ['/x?a=1&b=%2F..%2F&c=http://h', '/x?a=1&b=%2F..%2F&c=http://h'],
    ['x?q=1', '/x?q=1'],
    ['/a/b/', '/a/b/'],
    ['/a:b/@c', '/a:b/@c'],
    ['/...', '/...'],
    ['/a..b/.c', '/a..b/.c'],
    ['/é', '/%C3%A9'],
    ['/x?', '/x?'],
    ['/?q=..', '/?q=..'],
  ])('turns %j into %j', (input, expected) => {
    expect(resolveInvokePath(input)).toBe(expected);
  });

  it.each([
    ['http://evil.example/x', 'absolute'],
    ['HTTPS://evil.example', 'absolute'],
    ['//evil.example/x', 'authority'],
    ['javascript:alert(1)', 'absolute'],
    ['evil.example:80/x', 'absolute'],
    ['/a/../b', 'dot segment'],
    ['/..', 'dot segment'],
    ['..', 'dot segment'],
    ['/a/./b', 'dot segment'],
    ['/a/%2e%2e/b', 'dot segment'],
    ['/a/.%2E/b', 'dot segment'],
    ['/a/%2e', 'dot segment'],
    ['/x\r\nHost: evil', 'control'],
    ['/x\nX-Injected: 1', 'control'],
    ['/x y', 'control'],
    ['/x\u0000', 'control'],
    ['/x\t', 'control'],
    ['/x\\..\\y', 'backslash'],
    ['/x#frag', 'fragment'],
    ['/x%zz', 'percent'],
    ['/x%4', 'percent'],
    ['/' + 'a'.repeat(9000), 'longer'],
  ])('refuses %j with INVALID_ARGUMENT', (input, why) => {
    let err: unknown;
    try {
      resolveInvokePath(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('INVALID_ARGUMENT');
    expect((err as AgentError).message).toMatch(new RegExp(why.split(' ')[0] ?? why, 'i'));
  });
});
