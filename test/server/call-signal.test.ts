/** The call watcher handlers get: deadline and cancel as callbacks, and an AbortSignal on demand. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { callSignal, type CancellableCall } from '../../src/server/handlers/call-signal.js';

function fakeCall(deadline: number | Date = Infinity): CancellableCall & { cancel(): void; listeners(): number } {
  const ee = new EventEmitter();
  return {
    getDeadline: () => deadline,
    on: (e, l) => ee.on(e, l),
    removeListener: (e, l) => ee.removeListener(e, l),
    cancel: () => ee.emit('cancelled'),
    listeners: () => ee.listenerCount('cancelled'),
  };
}

describe('callSignal', () => {
  it('reports a cancel as CANCELLED to callbacks and to a signal read later', () => {
    const call = fakeCall();
    const watch = callSignal(call);
    const seen: AgentError[] = [];
    watch.onAbort((r) => seen.push(r));
    const removed = watch.onAbort(() => { throw new Error('removed listener called'); });
    removed();
    expect(watch.aborted).toBe(false);
    call.cancel();
    expect(seen.map((e) => e.code)).toEqual(['CANCELLED']);
    expect(watch.reason?.code).toBe('CANCELLED');
    expect(watch.signal.aborted).toBe(true);
    expect((watch.signal.reason as AgentError).code).toBe('CANCELLED');
    let late: AgentError | undefined;
    watch.onAbort((r) => { late = r; });
    expect(late?.code).toBe('CANCELLED');
    watch.dispose();
    expect(call.listeners()).toBe(0);
  });

  it('aborts a signal made before the deadline passes with DEADLINE_EXCEEDED', async () => {
    const watch = callSignal(fakeCall(new Date(Date.now() + 5)));
    const signal = watch.signal;
    const reason = await new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason)));
    expect((reason as AgentError).code).toBe('DEADLINE_EXCEEDED');
    watch.dispose();
  });

  it('calls a cancel after the deadline passed DEADLINE_EXCEEDED', () => {
    const call = fakeCall(Date.now() - 1);
    const watch = callSignal(call);
    call.cancel();
    expect(watch.reason?.code).toBe('DEADLINE_EXCEEDED');
    watch.dispose();
  });

  it('does nothing after dispose', () => {
    const call = fakeCall();
    const watch = callSignal(call);
    watch.dispose();
    call.cancel();
    expect(watch.aborted).toBe(false);
    expect(watch.signal.aborted).toBe(false);
  });
});
