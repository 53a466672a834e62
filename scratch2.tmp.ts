import { performance } from 'node:perf_hooks';
import { startAgentHarness } from './test/observability/helpers/agent-harness.js';
const a = await startAgentHarness({ http: false, runtime: { endpoints: false } });
const c = a.grpc.client; const O = 'x';
for (let i = 0; i < 5; i++) {
  let t = performance.now();
  const w = await c.ok('EnsureContainer', { function_name: 'f', image: 'b/e:latest', env: {}, owner_id: O });
  const e = performance.now() - t; t = performance.now();
  await c.ok('PauseContainer', { container_id: w.id, owner_id: O }); const p = performance.now() - t; t = performance.now();
  await c.ok('ResumeContainer', { container_id: w.id, owner_id: O }); const r = performance.now() - t; t = performance.now();
  await c.ok('DestroyContainer', { container_id: w.id, owner_id: O }); const d = performance.now() - t;
  console.log(e.toFixed(1), p.toFixed(1), r.toFixed(1), d.toFixed(1));
}
await a.close();
