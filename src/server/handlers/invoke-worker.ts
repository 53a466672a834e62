/**
 * InvokeWorker: validates container_id then owner_id, then hands the request to the invoke
 * proxy, which owns path defaults, timeouts, the ownership check and its error codes
 * (contract §4). A worker's HTTP error comes back as data, not as a gRPC error.
 */
import type { AgentServiceHandlers } from '../generated/esb/agent/v1/AgentService.js';
import type { HandlerDeps } from './deps.js';
import { unary } from './unary.js';
import { requireContainerId, requireOwnerId } from './validation.js';

/** Builds the InvokeWorker handler. */
export function invokeWorkerHandler(deps: HandlerDeps): AgentServiceHandlers['InvokeWorker'] {
  // The call's cancellation goes to the proxy as callbacks: no AbortSignal per invocation.
  return unary(deps.log, async (req, call) => {
    const containerId = requireContainerId(req.container_id);
    const ownerId = requireOwnerId(req.owner_id);
    const res = await deps.invoker.invoke(
      {
        containerId,
        ownerId,
        path: req.path ?? '',
        payload: req.payload ?? Buffer.alloc(0),
        headers: req.headers ?? {},
        timeoutMs: req.timeout_ms ?? 0,
      },
      { signal: call },
    );
    return { status_code: res.statusCode, headers: res.headers, body: res.body };
  });
}
