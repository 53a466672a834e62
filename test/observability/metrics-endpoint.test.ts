/**
 * /metrics of the agent assembled in-process (simulated runtime, real gRPC server on loopback):
 * it parses with a strict Prometheus text parser, every name of the table is there, and
 * a scripted RPC sequence moves the go-grpc-prometheus counters and our own series as expected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentHarness, type AgentHarness } from './helpers/agent-harness.js';
import { parsePrometheusText, sampleValue, type Family } from './helpers/prom-parse.js';

const OWNER = 'gw-metrics-test';
const SVC = { grpc_type: 'unary', grpc_service: 'esb.agent.v1.AgentService' };
let agent: AgentHarness;
beforeAll(async () => { agent = await startAgentHarness(); });
afterAll(async () => { await agent.close(); });

async function scrape(): Promise<Map<string, Family>> {
  const res = await fetch(`${agent.http}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheusText(await res.text());
}

describe('/metrics on the in-process agent', () => {
  it('moves counters as expected for a scripted RPC sequence', async () => {
    const c = agent.grpc.client;
    const w = await c.ok('EnsureContainer', { function_name: 'hello', image: 'esb/hello:latest', env: {}, owner_id: OWNER });
    expect((await c.call('EnsureContainer', { function_name: '', image: 'x', env: {}, owner_id: OWNER })).error?.code).toBe(3);
    await c.ok('PauseContainer', { container_id: w.id, owner_id: OWNER });
    expect((await c.call('PauseContainer', { container_id: w.id, owner_id: OWNER })).error?.code).toBe(9);
    await c.ok('ResumeContainer', { container_id: w.id, owner_id: OWNER });
    await c.ok('ListContainers', { owner_id: OWNER });
    await c.ok('InvokeWorker', { container_id: w.id, owner_id: OWNER, path: '/', payload: Buffer.alloc(300, 1), headers: {}, timeout_ms: 0 });
    expect((await c.call('DestroyContainer', { container_id: w.id, owner_id: 'someone-else' })).error?.code).toBe(7);
    await c.ok('DestroyContainer', { container_id: w.id, owner_id: OWNER });

    const f = await scrape();
    const m = (method: string) => ({ ...SVC, grpc_method: method });
    expect(sampleValue(f, 'grpc_server_started_total', m('EnsureContainer'))).toBe(2);
    expect(sampleValue(f, 'grpc_server_msg_received_total', m('EnsureContainer'))).toBe(2);
    expect(sampleValue(f, 'grpc_server_msg_sent_total', m('EnsureContainer'))).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...m('EnsureContainer'), grpc_code: 'OK' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...m('EnsureContainer'), grpc_code: 'InvalidArgument' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...m('PauseContainer'), grpc_code: 'OK' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...m('PauseContainer'), grpc_code: 'FailedPrecondition' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...m('DestroyContainer'), grpc_code: 'PermissionDenied' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...m('DestroyContainer'), grpc_code: 'OK' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...m('GetContainerMetrics'), grpc_code: 'OK' })).toBe(0);
    expect(sampleValue(f, 'grpc_server_handling_seconds_count', m('EnsureContainer'))).toBe(2);
    expect(sampleValue(f, 'grpc_server_handling_seconds_bucket', { ...m('EnsureContainer'), le: '+Inf' })).toBe(2);

    expect(sampleValue(f, 'esb_agent_worker_transitions_total', { from: 'running', to: 'pausing' })).toBe(1);
    expect(sampleValue(f, 'esb_agent_worker_transitions_total', { from: 'paused', to: 'resuming' })).toBe(1);
    for (const phase of ['pull', 'create', 'netSetup', 'start', 'pause', 'resume', 'destroy']) {
      expect(sampleValue(f, 'esb_agent_lifecycle_phase_seconds_count', { phase }), phase).toBe(1);
    }
    expect(sampleValue(f, 'esb_agent_workers', { state: 'running' })).toBe(0);
    expect(sampleValue(f, 'esb_agent_invoke_seconds_count')).toBe(1);
    expect(sampleValue(f, 'esb_agent_invoke_bytes_sum', { direction: 'request' })).toBe(300);
    expect(sampleValue(f, 'esb_agent_invoke_bytes_bucket', { direction: 'response', le: '1024' })).toBe(1);
    expect(sampleValue(f, 'esb_agent_pulls_in_flight')).toBe(0);
    expect(sampleValue(f, 'esb_agent_pull_bytes_total')).toBeGreaterThan(0);
    expect(sampleValue(f, 'esb_agent_limiter_queue_depth', { class: 'pull' })).toBe(0);
  });

  it('exports every metric name of the issue table with the right type', async () => {
    await agent.grpc.client.ok('EnsureContainer', { function_name: 'names', image: 'esb/names:latest', env: {}, owner_id: OWNER });
    const f = await scrape();
    const expected: Record<string, string> = {
      grpc_server_started_total: 'counter', grpc_server_handled_total: 'counter', grpc_server_msg_received_total: 'counter',
      grpc_server_msg_sent_total: 'counter', grpc_server_handling_seconds: 'histogram',
      esb_agent_workers: 'gauge', esb_agent_worker_transitions_total: 'counter', esb_agent_lifecycle_phase_seconds: 'histogram',
      esb_agent_limiter_queue_depth: 'gauge', esb_agent_limiter_wait_seconds: 'histogram', esb_agent_invoke_seconds: 'histogram',
      esb_agent_invoke_bytes: 'histogram', esb_agent_pulls_in_flight: 'gauge', esb_agent_pull_bytes_total: 'counter',
      process_cpu_user_seconds_total: 'counter', process_resident_memory_bytes: 'gauge', nodejs_heap_size_used_bytes: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect(f.get(name)?.type, name).toBe(type);
    expect(sampleValue(f, 'esb_agent_workers', { state: 'running' })).toBe(1);
    const handled = f.get('grpc_server_handled_total')!.samples[0]!;
    expect(Object.keys(handled.labels).sort()).toEqual(['grpc_code', 'grpc_method', 'grpc_service', 'grpc_type']);
  });
});
