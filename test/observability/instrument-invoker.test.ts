import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import type { InvokeRequest, Invoker } from '../../src/invoke/invoke-api.js';
import { instrumentInvoker } from '../../src/observability/instrument-invoker.js';
import { createAgentMetrics } from '../../src/observability/metrics.js';
import { parsePrometheusText, sampleValue } from './helpers/prom-parse.js';

const req: InvokeRequest = { containerId: 'w', ownerId: 'o', path: '/', payload: Buffer.alloc(10), headers: {}, timeoutMs: 0 };

describe('instrumentInvoker', () => {
  it('records latency and sizes and passes results and errors through unchanged', async () => {
    const metrics = createAgentMetrics({ defaultMetrics: false });
    let fail = false;
    let closed = false;
    const inner: Invoker = {
      invoke: async () => {
        if (fail) throw new AgentError('UNAVAILABLE', 'worker gone');
        return { statusCode: 200, headers: {}, body: Buffer.alloc(5000) };
      },
      close: async () => { closed = true; },
    };
    let t = 0;
    const wrapped = instrumentInvoker(inner, metrics, () => (t += 20));
    expect((await wrapped.invoke(req, {})).body.length).toBe(5000);
    fail = true;
    await expect(wrapped.invoke(req, {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await wrapped.close();
    expect(closed).toBe(true);
    const f = parsePrometheusText(await metrics.render());
    expect(sampleValue(f, 'esb_agent_invoke_seconds_count')).toBe(2);
    expect(sampleValue(f, 'esb_agent_invoke_seconds_sum')).toBeCloseTo(0.04);
    expect(sampleValue(f, 'esb_agent_invoke_bytes_sum', { direction: 'request' })).toBe(20);
    expect(sampleValue(f, 'esb_agent_invoke_bytes_sum', { direction: 'response' })).toBe(5000);
  });
});
