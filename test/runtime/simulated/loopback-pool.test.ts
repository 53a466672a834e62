import { describe, expect, it } from 'vitest';
import { LoopbackPool, loopbackAddress } from '../../../src/runtime/simulated/loopback-pool.js';
import { FaultPlan } from '../../../src/runtime/simulated/fault-plan.js';

describe('loopback pool', () => {
  it('maps slots to 127.x.y.z with z in 1..254', () => {
    expect(loopbackAddress(0)).toBe('127.0.0.1');
    expect(loopbackAddress(1)).toBe('127.0.0.2');
    expect(loopbackAddress(253)).toBe('127.0.0.254');
    expect(loopbackAddress(254)).toBe('127.0.1.1');
    expect(loopbackAddress(254 * 256)).toBe('127.1.0.1');
  });

  it('skips 127.0.0.1 and moves on past released addresses until it wraps', () => {
    const pool = new LoopbackPool(0);
    expect(pool.take()).toBe('127.0.0.2');
    expect(pool.take()).toBe('127.0.0.3');
    pool.release('127.0.0.2');
    expect(pool.size).toBe(1);
    expect(pool.take()).toBe('127.0.0.4');
  });
});

describe('fault plan', () => {
  it('consumes the first matching entry and keeps the others', () => {
    const plan = new FaultPlan();
    plan.failNext('create', { match: 'b', error: { code: 'INTERNAL', message: 'x' } });
    plan.hang('create');
    expect(plan.take({ op: 'start', name: 'b' })).toBeUndefined();
    expect(plan.take({ op: 'create', name: 'a' })).toEqual({ kind: 'hang', afterEffect: false });
    expect(plan.take({ op: 'create', name: 'b' })).toMatchObject({ kind: 'fail' });
    expect(plan.pending()).toBe(0);
  });

  it('refuses a times that is not a positive integer', () => {
    expect(() => new FaultPlan().hang('create', { times: 0 })).toThrow(/positive integer/);
  });
});
