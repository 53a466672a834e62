import { describe, expect, it } from 'vitest';
import { goCodeName } from '../../src/observability/grpc-codes.js';
import { AGENT_SERVICE, createAgentMetrics } from '../../src/observability/metrics.js';
import { AGENT_METHODS } from '../../src/observability/attach.js';
import { parsePrometheusText, sampleValue } from './helpers/prom-parse.js';

const base = { grpc_type: 'unary', grpc_service: AGENT_SERVICE };

describe('goCodeName', () => {
  it('maps numbers, proto names and Go names to the Go spelling', () => {
    expect(goCodeName(0)).toBe('OK');
    expect(goCodeName(1)).toBe('Canceled');
    expect(goCodeName('CANCELLED')).toBe('Canceled');
    expect(goCodeName('NOT_FOUND')).toBe('NotFound');
    expect(goCodeName('FAILED_PRECONDITION')).toBe('FailedPrecondition');
    expect(goCodeName('PermissionDenied')).toBe('PermissionDenied');
    expect(goCodeName(13)).toBe('Internal');
    expect(goCodeName('bogus')).toBe('Unknown');
    expect(goCodeName(99)).toBe('Unknown');
  });
});

describe('createAgentMetrics', () => {
  it('exports process, Node and pre-registered gRPC series before any call', async () => {
    const m = createAgentMetrics();
    m.registerGrpcMethods(AGENT_SERVICE, AGENT_METHODS);
    const f = parsePrometheusText(await m.render());
    expect(f.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect([...f.keys()].some((k) => k.startsWith('nodejs_'))).toBe(true);
    expect(sampleValue(f, 'grpc_server_started_total', { ...base, grpc_method: 'EnsureContainer' })).toBe(0);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...base, grpc_method: 'InvokeWorker', grpc_code: 'NotFound' })).toBe(0);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('moves the gRPC counters and histogram like go-grpc-prometheus for a scripted sequence', async () => {
    const m = createAgentMetrics({ defaultMetrics: false });
    const call = (method: string, code: string | number, s: number) => { m.rpcStarted(AGENT_SERVICE, method); m.rpcHandled(AGENT_SERVICE, method, code, s); };
    call('EnsureContainer', 0, 0.02);
    call('EnsureContainer', 'INVALID_ARGUMENT', 0.001);
    call('PauseContainer', 'OK', 0.003);
    call('DestroyContainer', 'PERMISSION_DENIED', 0.002);
    const f = parsePrometheusText(await m.render());
    const e = { ...base, grpc_method: 'EnsureContainer' };
    expect(sampleValue(f, 'grpc_server_started_total', e)).toBe(2);
    expect(sampleValue(f, 'grpc_server_msg_received_total', e)).toBe(2);
    expect(sampleValue(f, 'grpc_server_msg_sent_total', e)).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...e, grpc_code: 'OK' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...e, grpc_code: 'InvalidArgument' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handled_total', { ...base, grpc_method: 'DestroyContainer', grpc_code: 'PermissionDenied' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handling_seconds_count', e)).toBe(2);
    expect(sampleValue(f, 'grpc_server_handling_seconds_bucket', { ...e, le: '0.005' })).toBe(1);
    expect(sampleValue(f, 'grpc_server_handling_seconds_bucket', { ...e, le: '0.025' })).toBe(2);
    const les = f.get('grpc_server_handling_seconds')?.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.grpc_method === 'EnsureContainer').map((s) => s.labels.le);
    expect(les).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
  });

  it('exports our esb_agent_* series from hooks and live sources', async () => {
    const m = createAgentMetrics({ defaultMetrics: false, knownStates: ['running', 'paused'] });
    m.sources.workerStates = () => ['running', 'running', 'destroying.network'];
    m.sources.limiterQueued = () => ({ pull: 3, create: 0 });
    m.workerTransition('running', 'pausing');
    m.phaseObserved('pull', 1.5);
    m.limiterWaited('pull', 0.2);
    m.invokeObserved(0.05, 100, 2048);
    m.pullsInFlight(2);
    m.pullBytes(4096);
    const f = parsePrometheusText(await m.render());
    expect(sampleValue(f, 'esb_agent_workers', { state: 'running' })).toBe(2);
    expect(sampleValue(f, 'esb_agent_workers', { state: 'paused' })).toBe(0);
    expect(sampleValue(f, 'esb_agent_workers', { state: 'destroying' })).toBe(1);
    expect(sampleValue(f, 'esb_agent_worker_transitions_total', { from: 'running', to: 'pausing' })).toBe(1);
    expect(sampleValue(f, 'esb_agent_lifecycle_phase_seconds_count', { phase: 'pull' })).toBe(1);
    expect(sampleValue(f, 'esb_agent_limiter_queue_depth', { class: 'pull' })).toBe(3);
    expect(sampleValue(f, 'esb_agent_limiter_wait_seconds_sum', { class: 'pull' })).toBeCloseTo(0.2);
    expect(sampleValue(f, 'esb_agent_invoke_seconds_count')).toBe(1);
    expect(sampleValue(f, 'esb_agent_invoke_bytes_sum', { direction: 'response' })).toBe(2048);
    expect(sampleValue(f, 'esb_agent_pulls_in_flight')).toBe(2);
    expect(sampleValue(f, 'esb_agent_pull_bytes_total')).toBe(4096);
  });
});
