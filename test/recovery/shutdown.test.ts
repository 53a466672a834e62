import { afterEach, describe, expect, it } from 'vitest';
import { adoptExisting } from '../../src/recovery/adopt.js';
import { gracefulShutdown } from '../../src/recovery/shutdown.js';
import { harness, request, type Harness } from '../machines/sim-harness.js';
import { memoryLog, seedWorkers } from './sim-seed.js';

function fakeGrpc() {
  const calls: number[] = [];
  return { calls, shutdown: async (ms: number) => void calls.push(ms) };
}

describe('gracefulShutdown', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('goes from serving to stopped actors with the containers kept (keep)', async () => {
    h = harness();
    await seedWorkers(h.runtime, 4, ['running', 'paused']);
    await adoptExisting(h.runtime, h.sup);
    const grpc = fakeGrpc();
    let ready = true;
    const report = await gracefulShutdown({ grpc, supervisor: h.sup, policy: 'keep', timeoutMs: 1000, log: memoryLog().log, notReady: () => (ready = false) });
    expect(ready).toBe(false);
    expect(grpc.calls).toEqual([800]);
    expect(report).toMatchObject({ policy: 'keep', kept: 4, destroyed: 0, timedOut: false });
    expect(h.sup.size).toBe(0);
    expect(h.runtime.snapshotState().started).toHaveLength(4);
    expect(h.runtime.snapshotState().paused).toHaveLength(2);
  });

  it('goes from running and paused workers to nothing left, resuming the paused ones first (destroy)', async () => {
    h = harness({ runtime: { recordCalls: true } });
    await seedWorkers(h.runtime, 4, ['running', 'paused']);
    await adoptExisting(h.runtime, h.sup);
    const report = await gracefulShutdown({ grpc: fakeGrpc(), supervisor: h.sup, policy: 'destroy', timeoutMs: 5000, log: memoryLog().log, notReady: () => undefined });
    expect(report).toMatchObject({ destroyed: 4, failed: [], timedOut: false });
    expect(h.runtime.snapshotState().containers).toEqual([]);
    const ops = h.runtime.callLog().map((c) => c.op);
    expect(ops.filter((o) => o === 'resume')).toHaveLength(2);
    expect(ops.indexOf('resume')).toBeLessThan(ops.indexOf('stop'));
  });

  it('waits for a worker between states, but not past the deadline (keep)', async () => {
    h = harness();
    h.runtime.hang('create');
    void h.sup.ensure(request()).catch(() => undefined); // its caller is gone with the gRPC server
    await h.runtime.waitForHang('create');
    const report = await gracefulShutdown({ grpc: fakeGrpc(), supervisor: h.sup, policy: 'keep', timeoutMs: 200, log: memoryLog().log, notReady: () => undefined });
    expect(report.timedOut).toBe(true);
    expect(h.sup.size).toBe(0);
  });

  it('stops background work before touching the workers', async () => {
    h = harness();
    const order: string[] = [];
    await gracefulShutdown({
      grpc: { shutdown: async () => void order.push('grpc') }, supervisor: h.sup, policy: 'keep', timeoutMs: 100,
      log: memoryLog().log, notReady: () => order.push('notReady'), stopBackground: async () => void order.push('background'),
    });
    expect(order).toEqual(['notReady', 'background', 'grpc']);
  });
});
