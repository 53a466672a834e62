/**
 * Turns a gRPC call's deadline and cancellation into an AbortSignal that handlers pass down
 * to the supervisor and the invoke proxy. The abort reason is an AgentError: DEADLINE_EXCEEDED
 * when the client's deadline passed, CANCELLED when the client went away first.
 */
import type { Deadline } from '@grpc/grpc-js';
import { AgentError } from '../../errors.js';

/** The parts of a grpc-js server call this module reads. */
export interface CancellableCall {
  getDeadline(): Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

export interface CallSignal {
  signal: AbortSignal;
  /** Stops watching the call (clears the deadline timer); call it once the handler is done. */
  dispose(): void;
}

/** Largest delay setTimeout accepts; a later deadline is treated as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds since the epoch of a grpc-js deadline; Infinity when there is none. */
export function deadlineMs(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * Watches `call` and aborts the returned signal when its deadline passes or it is cancelled.
 * Has no effect after `dispose()`. Reads the wall clock (`Date.now`).
 */
export function callSignal(call: CancellableCall): CallSignal {
  const controller = new AbortController();
  const deadline = deadlineMs(call.getDeadline());
  const expired = (): AgentError => new AgentError('DEADLINE_EXCEEDED', 'deadline exceeded');
  const onCancelled = (): void => {
    const reason = Date.now() >= deadline ? expired() : new AgentError('CANCELLED', 'call cancelled by the client');
    controller.abort(reason);
  };
  call.on('cancelled', onCancelled);
  let timer: NodeJS.Timeout | undefined;
  if (Number.isFinite(deadline)) {
    const delay = Math.max(0, deadline - Date.now());
    if (delay <= MAX_TIMER_MS) {
      timer = setTimeout(() => controller.abort(expired()), delay);
      timer.unref();
    }
  }
  return {
    signal: controller.signal,
    dispose: () => {
      if (timer) clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
    },
  };
}
