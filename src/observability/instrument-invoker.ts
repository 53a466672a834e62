/** Wraps the InvokeWorker proxy so each call feeds `esb_agent_invoke_seconds` and `_bytes`. */
import type { Invoker } from '../invoke/invoke-api.js';
import type { AgentMetrics } from './metrics.js';

/**
 * Returns an Invoker that behaves exactly like `inner` (same results, same errors) and records
 * latency and body sizes of every call, failed calls included (response size 0). Pure wrapper.
 */
export function instrumentInvoker(inner: Invoker, metrics: AgentMetrics, clock: () => number = () => performance.now()): Invoker {
  return {
    async invoke(req, opts) {
      const started = clock();
      let responseBytes = 0;
      try {
        const res = await inner.invoke(req, opts);
        responseBytes = res.body.length;
        return res;
      } finally {
        metrics.invokeObserved((clock() - started) / 1000, req.payload.length, responseBytes);
      }
    },
    close: () => inner.close(),
  };
}
