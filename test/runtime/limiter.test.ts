import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { createLimiter, type OpClass } from '../../src/runtime/limiter.js';

const limits = { pull: 2, create: 1, network: 1, start: 1, destroy: 3 };

/** A promise plus its resolver, to hold work open until the test lets it go. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('limiter', () => {
  it('never runs more than the class limit at once', async () => {
    const limiter = createLimiter({ limits });
    let running = 0;
    let peak = 0;
    const work = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
    };
    await Promise.all(Array.from({ length: 10 }, () => limiter.run('pull', work)));
    expect(peak).toBe(2);
  });

  it('keeps classes independent: a full pull class does not block destroy', async () => {
    const limiter = createLimiter({ limits });
    const held = gate();
    const pulls = [limiter.run('pull', () => held.promise), limiter.run('pull', () => held.promise)];
    await expect(limiter.run('destroy', async () => 'done')).resolves.toBe('done');
    held.open();
    await Promise.all(pulls);
  });

  it('reports running and queued counts per class', async () => {
    const limiter = createLimiter({ limits });
    const held = gate();
    const all = [1, 2, 3].map(() => limiter.run('create', () => held.promise));
    await until(() => limiter.stats().create.running === 1);
    expect(limiter.stats().create).toEqual({ running: 1, queued: 2, limit: 1 });
    expect(limiter.stats().pull).toEqual({ running: 0, queued: 0, limit: 2 });
    held.open();
    await Promise.all(all);
    await limiter.onIdle();
    expect(limiter.stats().create).toEqual({ running: 0, queued: 0, limit: 1 });
  });

  it('removes queued work when its signal aborts and rejects with CANCELLED', async () => {
    const limiter = createLimiter({ limits });
    const held = gate();
    const first = limiter.run('start', () => held.promise);
    const ac = new AbortController();
    let ran = false;
    const second = limiter.run('start', async () => void (ran = true), { signal: ac.signal });
    await until(() => limiter.stats().start.queued === 1);
    ac.abort();
    await expect(second).rejects.toMatchObject({ name: 'AgentError', code: 'CANCELLED' });
    expect(limiter.stats().start.queued).toBe(0);
    held.open();
    await first;
    await limiter.onIdle();
    expect(ran).toBe(false);
  });

  it('rejects with the abort reason when it already is an AgentError', async () => {
    const limiter = createLimiter({ limits });
    const held = gate();
    const first = limiter.run('network', () => held.promise);
    const ac = new AbortController();
    const second = limiter.run('network', async () => 1, { signal: ac.signal });
    const reason = new AgentError('CANCELLED', 'worker destroyed');
    ac.abort(reason);
    await expect(second).rejects.toBe(reason);
    held.open();
    await first;
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = createLimiter({ limits });
    const ac = new AbortController();
    ac.abort();
    await expect(limiter.run('pull', async () => 1, { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('passes the signal to running work, which keeps its slot until it settles', async () => {
    const limiter = createLimiter({ limits });
    const ac = new AbortController();
    const unwound = gate();
    let seen: AbortSignal | undefined;
    const first = limiter.run(
      'create',
      async (signal) => {
        seen = signal;
        await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
        await unwound.promise;
        throw new AgentError('CANCELLED', 'create aborted');
      },
      { signal: ac.signal },
    );
    await until(() => seen !== undefined);
    ac.abort();
    await until(() => limiter.stats().create.running === 1);
    // Still unwinding: the slot stays taken, so a second create waits.
    const second = limiter.run('create', async () => 'second');
    await until(() => limiter.stats().create.queued === 1);
    unwound.open();
    await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(second).resolves.toBe('second');
    expect(seen).toBe(ac.signal);
  });

  it('reports how long queued work waited through onWait', async () => {
    let t = 0;
    const waits: Array<[OpClass, number]> = [];
    const limiter = createLimiter({ limits, now: () => t, onWait: (cls, ms) => waits.push([cls, ms]) });
    const held = gate();
    const first = limiter.run('destroy', () => held.promise);
    const more = [limiter.run('destroy', async () => 0), limiter.run('destroy', async () => 0), limiter.run('destroy', async () => 0)];
    await until(() => limiter.stats().destroy.queued === 1);
    t = 25;
    held.open();
    await Promise.all([first, ...more]);
    expect(waits).toEqual([
      ['destroy', 0],
      ['destroy', 0],
      ['destroy', 0],
      ['destroy', 25],
    ]);
  });

  it('rejects when the work throws synchronously, and survives a throwing onWait hook', async () => {
    const limiter = createLimiter({
      limits,
      onWait: () => {
        throw new Error('metrics broke');
      },
    });
    const boom = () => {
      throw new AgentError('INTERNAL', 'sync boom');
    };
    await expect(limiter.run('pull', boom as () => Promise<never>)).rejects.toMatchObject({ message: 'sync boom' });
    await expect(limiter.run('pull', async () => 'fine')).resolves.toBe('fine');
    await limiter.onIdle();
    expect(limiter.stats().pull).toMatchObject({ running: 0, queued: 0 });
  });

  it('adds one abort listener per signal however many operations use it', async () => {
    const limiter = createLimiter({ limits: { ...limits, pull: 1 } });
    const held = gate();
    const first = limiter.run('pull', () => held.promise);
    const ac = new AbortController();
    let added = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    ac.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      return add(...args);
    }) as typeof ac.signal.addEventListener;
    const queued = [1, 2, 3].map(() => limiter.run('pull', async () => 0, { signal: ac.signal }));
    expect(added).toBe(1);
    ac.abort();
    for (const q of queued) await expect(q).rejects.toMatchObject({ code: 'CANCELLED' });
    held.open();
    await first;
    await limiter.onIdle();
    expect(limiter.stats().pull).toMatchObject({ running: 0, queued: 0 });
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => createLimiter({ limits: { ...limits, pull: 0 } })).toThrow(/pull must be a positive integer/);
  });
});
