/** An Invoker for builds without the invoke proxy: every call is UNIMPLEMENTED. */
import { AgentError } from '../errors.js';
import type { Invoker } from '../invoke/invoke-api.js';

/** Returns an Invoker whose `invoke` always rejects with UNIMPLEMENTED. Pure. */
export function unimplementedInvoker(): Invoker {
  return {
    invoke: () => Promise.reject(new AgentError('UNIMPLEMENTED', 'InvokeWorker is not available in this build')),
    close: () => Promise.resolve(),
  };
}
