import { describe, expect, it } from 'vitest';
import { readinessOf } from '../../src/invoke/worker-state.js';

describe('readinessOf', () => {
  it.each([
    ['running', 'running'],
    ['paused', 'paused'], ['pausing', 'paused'],
    ['pulling', 'starting'], ['creating', 'starting'], ['netSetup', 'starting'], ['starting', 'starting'],
    ['readying', 'starting'], ['resuming', 'starting'],
    ['stopped', 'gone'], ['failed', 'gone'], ['releaseFailed', 'gone'], ['destroyed', 'gone'],
    ['destroying.stopping', 'gone'], ['destroying.killing', 'gone'], ['destroying.removing', 'gone'],
    ['somethingNew', 'gone'],
  ])('routes state %s as %s', (state, expected) => {
    expect(readinessOf(state)).toBe(expected);
  });
});
