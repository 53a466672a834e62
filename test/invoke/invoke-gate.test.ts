import { describe, expect, it } from 'vitest';
import { abortableFromSignal, InvokeGate } from '../../src/invoke/invoke-gate.js';

describe('InvokeGate', () => {
  it('lets one caller in and queues the others in FIFO order', async () => {
    const lengths: number[] = [];
    const gate = new InvokeGate((n) => lengths.push(n));
    const order: number[] = [];
    const r1 = await gate.acquire();
    const p2 = gate.acquire().then((r) => { order.push(2); return r; });
    const p3 = gate.acquire().then((r) => { order.push(3); return r; });
    expect(gate.queueLength).toBe(2);
    r1();
    r1(); // twice is harmless
    const r2 = await p2;
    expect(gate.busy).toBe(true);
    r2();
    (await p3)();
    expect(order).toEqual([2, 3]);
    expect(gate.idle).toBe(true);
    expect(lengths).toEqual([1, 2, 1, 0]);
  });

  it('removes a waiter whose signal aborts and rejects it with the reason', async () => {
    const gate = new InvokeGate();
    const r1 = await gate.acquire();
    const ctl = new AbortController();
    const p = gate.acquire(abortableFromSignal(ctl.signal));
    const p3 = gate.acquire();
    ctl.abort(new Error('gone'));
    await expect(p).rejects.toThrow('gone');
    expect(gate.queueLength).toBe(1);
    r1();
    (await p3)();
    expect(gate.idle).toBe(true);
  });

  it('rejects a waiter at once when its signal has already aborted', async () => {
    const gate = new InvokeGate();
    const r1 = await gate.acquire();
    await expect(gate.acquire(abortableFromSignal(AbortSignal.abort(new Error('x'))))).rejects.toThrow('x');
    expect(gate.queueLength).toBe(0);
    r1();
    expect(gate.idle).toBe(true);
  });
});
