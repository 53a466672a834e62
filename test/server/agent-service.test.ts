/**
 * AgentService over real gRPC (127.0.0.1:0, client built from the proto alone), backed by a
 * fake supervisor: every row of the contract's error matrix (§1.7) with the exact messages,
 * the happy path, and how deadlines and cancellation reach the supervisor.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { deadlineIn } from './helpers/agent-client.js';
import { FakeSupervisor } from './helpers/fake-supervisor.js';
import { captureLog } from './helpers/log-capture.js';
import { ScriptedInvoker, startTestServer, type TestServer } from './helpers/test-server.js';

const OWNER = 'gateway-a';
const NOW = 1_764_000_000_123;
const ENSURE = { function_name: 'echo', image: 'registry:5010/esb/echo:latest', env: { A: '1' }, owner_id: OWNER };

let supervisor: FakeSupervisor;
let invoker: ScriptedInvoker;
let srv: TestServer;
const captured = captureLog();

beforeAll(async () => {
  supervisor = new FakeSupervisor(() => NOW);
  invoker = new ScriptedInvoker();
  srv = await startTestServer({ supervisor, invoker, log: captured.log, now: () => NOW + 5_000 });
});
afterAll(async () => srv.close());
beforeEach(() => {
  for (const key of Object.keys(supervisor.script)) delete (supervisor.script as Record<string, unknown>)[key];
  supervisor.workers.clear();
  invoker.error = undefined;
});

async function expectStatus(method: Parameters<TestServer['client']['call']>[0], req: Record<string, unknown>, code: status, details: string) {
  const { error } = await srv.client.call(method, req);
  expect(error, `${method} should fail`).toBeDefined();
  expect({ code: status[error!.code], details: error!.details }).toEqual({ code: status[code], details });
}

async function ensureOne(owner = OWNER): Promise<string> {
  const info = await srv.client.ok('EnsureContainer', { ...ENSURE, owner_id: owner });
  return info.id as string;
}

describe('EnsureContainer', () => {
  it('refuses an empty function_name first, even when owner and image are empty too', async () => {
    await expectStatus('EnsureContainer', { function_name: '', image: '', owner_id: '' }, status.INVALID_ARGUMENT, 'function_name is required');
  });
  it('refuses a blank owner_id before an empty image', async () => {
    await expectStatus('EnsureContainer', { function_name: 'echo', image: '', owner_id: '   ' }, status.INVALID_ARGUMENT, 'owner_id is required');
  });
  it('refuses a blank image', async () => {
    await expectStatus('EnsureContainer', { ...ENSURE, image: ' \t' }, status.INVALID_ARGUMENT, 'image is required');
  });
  it('passes a whitespace-only function_name on, where it is INVALID_ARGUMENT, not INTERNAL', async () => {
    const { error } = await srv.client.call('EnsureContainer', { ...ENSURE, function_name: '   ' });
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/cannot form a valid container name/);
  });
  it('reports a runtime failure as INTERNAL with the contract prefix', async () => {
    supervisor.script.ensureError = new AgentError('INTERNAL', 'pull failed: manifest unknown', { step: 'pullImage' });
    await expectStatus('EnsureContainer', ENSURE, status.INTERNAL, 'failed to ensure container: pull failed: manifest unknown');
  });
  it('keeps a runtime UNAVAILABLE code under the prefix', async () => {
    supervisor.script.ensureError = new AgentError('UNAVAILABLE', 'containerd is not reachable');
    await expectStatus('EnsureContainer', ENSURE, status.UNAVAILABLE, 'failed to ensure container: containerd is not reachable');
  });
  it('hides a non-AgentError behind a generic INTERNAL and logs its stack', async () => {
    supervisor.script.ensureError = new TypeError('secret internals');
    await expectStatus('EnsureContainer', ENSURE, status.INTERNAL, 'internal error');
    const line = captured.lines.find((l) => l.msg === 'unexpected error in RPC handler');
    expect(line?.err?.stack).toMatch(/TypeError: secret internals/);
  });
  it('trims owner and image, keeps env as given, and fills every WorkerInfo field', async () => {
    const info = await srv.client.ok('EnsureContainer', { ...ENSURE, owner_id: `  ${OWNER} `, image: ` ${ENSURE.image} ` });
    expect(info).toEqual({ id: expect.stringMatching(/^esb-test-echo-/), name: info.id, ip_address: expect.stringMatching(/^127\./), port: 8080 });
    const view = supervisor.workers.get(info.id)!;
    expect(view).toMatchObject({ ownerId: OWNER, image: ENSURE.image });
  });
});

describe('DestroyContainer', () => {
  it('refuses an empty container_id first', async () => {
    await expectStatus('DestroyContainer', { container_id: '', owner_id: '' }, status.INVALID_ARGUMENT, 'container_id is required');
  });
  it('refuses a blank owner_id', async () => {
    await expectStatus('DestroyContainer', { container_id: 'x', owner_id: ' ' }, status.INVALID_ARGUMENT, 'owner_id is required');
  });
  it('succeeds for a container that does not exist', async () => {
    expect(await srv.client.ok('DestroyContainer', { container_id: 'esb-test-gone-00000000', owner_id: OWNER })).toEqual({ success: true });
  });
  it('refuses another owner with PERMISSION_DENIED', async () => {
    const id = await ensureOne();
    await expectStatus('DestroyContainer', { container_id: id, owner_id: 'intruder' }, status.PERMISSION_DENIED, 'owner_id does not match container');
    expect(supervisor.workers.has(id)).toBe(true);
  });
  it('reports a runtime failure as INTERNAL with the contract prefix', async () => {
    const id = await ensureOne();
    supervisor.script.destroyError = new AgentError('INTERNAL', 'remove failed: device busy');
    await expectStatus('DestroyContainer', { container_id: id, owner_id: OWNER }, status.INTERNAL, 'failed to destroy container: remove failed: device busy');
  });
  it('ignores function_name', async () => {
    const id = await ensureOne();
    await srv.client.ok('DestroyContainer', { function_name: 'other', container_id: id, owner_id: OWNER });
    expect(supervisor.workers.has(id)).toBe(false);
  });
});

describe.each([
  ['PauseContainer', 'pause'],
  ['ResumeContainer', 'resume'],
] as const)('%s', (method, verb) => {
  it('refuses an empty container_id first', async () => {
    await expectStatus(method, { container_id: '', owner_id: '' }, status.INVALID_ARGUMENT, 'container_id is required');
  });
  it('refuses a blank owner_id', async () => {
    await expectStatus(method, { container_id: 'x', owner_id: '' }, status.INVALID_ARGUMENT, 'owner_id is required');
  });
  it('answers NOT_FOUND for an unknown container', async () => {
    await expectStatus(method, { container_id: 'nope', owner_id: OWNER }, status.NOT_FOUND, 'container_id not found');
  });
  it('answers PERMISSION_DENIED for another owner', async () => {
    const id = await ensureOne();
    await expectStatus(method, { container_id: id, owner_id: 'intruder' }, status.PERMISSION_DENIED, 'owner_id does not match container');
  });
  it('reports a runtime failure as INTERNAL with the contract prefix', async () => {
    const id = await ensureOne();
    if (verb === 'resume') await srv.client.ok('PauseContainer', { container_id: id, owner_id: OWNER });
    supervisor.script.commandError = new AgentError('INTERNAL', 'freezer busy');
    await expectStatus(method, { container_id: id, owner_id: OWNER }, status.INTERNAL, `failed to ${verb} container: freezer busy`);
  });
  it('answers FAILED_PRECONDITION when the worker is already in the target state', async () => {
    const id = await ensureOne();
    if (verb === 'pause') await srv.client.ok('PauseContainer', { container_id: id, owner_id: OWNER });
    const state = verb === 'pause' ? 'paused' : 'running';
    await expectStatus(method, { container_id: id, owner_id: OWNER }, status.FAILED_PRECONDITION, `cannot ${verb} container in state ${state}`);
  });
});

describe('ListContainers', () => {
  it('refuses a blank owner_id', async () => {
    await expectStatus('ListContainers', { owner_id: '  ' }, status.INVALID_ARGUMENT, 'owner_id is required');
  });
  it('returns an empty list when the owner has no workers', async () => {
    await ensureOne('someone-else');
    expect(await srv.client.ok('ListContainers', { owner_id: OWNER })).toEqual({ containers: [] });
  });
  it('reports a failure as INTERNAL with the contract prefix', async () => {
    supervisor.script.listError = new AgentError('INTERNAL', 'runtime list failed');
    await expectStatus('ListContainers', { owner_id: OWNER }, status.INTERNAL, 'failed to list containers: runtime list failed');
  });
});

describe('GetContainerMetrics', () => {
  it('refuses an empty container_id first', async () => {
    await expectStatus('GetContainerMetrics', { container_id: '', owner_id: '' }, status.INVALID_ARGUMENT, 'container_id is required');
  });
  it('refuses a blank owner_id', async () => {
    await expectStatus('GetContainerMetrics', { container_id: 'x', owner_id: '' }, status.INVALID_ARGUMENT, 'owner_id is required');
  });
  it('answers NOT_FOUND for an unknown container', async () => {
    await expectStatus('GetContainerMetrics', { container_id: 'nope', owner_id: OWNER }, status.NOT_FOUND, 'container_id not found');
  });
  it('answers PERMISSION_DENIED for another owner', async () => {
    const id = await ensureOne();
    await expectStatus('GetContainerMetrics', { container_id: id, owner_id: 'x' }, status.PERMISSION_DENIED, 'owner_id does not match container');
  });
  it('keeps the text the gateway matches ("metrics not implemented") under the prefix', async () => {
    const id = await ensureOne();
    supervisor.script.metricsError = new AgentError('INTERNAL', 'metrics not implemented for docker runtime');
    await expectStatus('GetContainerMetrics', { container_id: id, owner_id: OWNER }, status.INTERNAL, 'failed to get container metrics: metrics not implemented for docker runtime');
  });
});

describe('InvokeWorker', () => {
  it('refuses an empty container_id first', async () => {
    await expectStatus('InvokeWorker', { container_id: '', owner_id: '' }, status.INVALID_ARGUMENT, 'container_id is required');
  });
  it('refuses a blank owner_id', async () => {
    await expectStatus('InvokeWorker', { container_id: 'x', owner_id: ' ' }, status.INVALID_ARGUMENT, 'owner_id is required');
  });
  it.each([
    ['NOT_FOUND', status.NOT_FOUND, 'container_id not found'],
    ['PERMISSION_DENIED', status.PERMISSION_DENIED, 'owner_id does not match container'],
    ['FAILED_PRECONDITION', status.FAILED_PRECONDITION, 'container ip_address is empty'],
    ['RESOURCE_EXHAUSTED', status.RESOURCE_EXHAUSTED, 'response body too large (limit 10485760 bytes)'],
    ['DEADLINE_EXCEEDED', status.DEADLINE_EXCEEDED, 'invoke timeout: connect ECONNREFUSED'],
    ['INTERNAL', status.INTERNAL, 'failed to read response body: socket hang up'],
  ] as const)('passes the proxy’s %s through unchanged', async (code, grpcCode, message) => {
    invoker.error = new AgentError(code, message);
    await expectStatus('InvokeWorker', { container_id: 'c1', owner_id: OWNER }, grpcCode, message);
  });
  it('hands the request to the proxy and returns a worker error as data', async () => {
    const reply = await srv.client.ok('InvokeWorker', {
      container_id: 'c1', owner_id: ` ${OWNER} `, path: '/x', payload: Buffer.from('{"a":1}'), headers: { 'X-Test': 'y' }, timeout_ms: 1500,
    });
    expect(reply.status_code).toBe(502);
    expect(reply.headers['X-Amz-Function-Error']).toBe('Unhandled');
    expect(Buffer.from(reply.body).toString()).toBe('{"a":1}');
    expect(invoker.requests.at(-1)).toMatchObject({ containerId: 'c1', ownerId: OWNER, path: '/x', timeoutMs: 1500, headers: { 'X-Test': 'y' } });
  });
});

describe('AgentService happy path', () => {
  it('goes through Ensure → List → Pause → Resume → Metrics → Destroy with the contract codes', async () => {
    const info = await srv.client.ok('EnsureContainer', ENSURE);
    const ref = { container_id: info.id, owner_id: OWNER };
    const list = await srv.client.ok('ListContainers', { owner_id: OWNER });
    const seconds = String(Math.floor(NOW / 1000));
    expect(list.containers).toEqual([{
      container_id: info.id, function_name: 'echo', status: 'RUNNING', last_used_at: seconds,
      container_name: info.name, created_at: seconds, owner_id: OWNER,
    }]);
    expect(await srv.client.ok('PauseContainer', ref)).toEqual({ success: true });
    expect((await srv.client.ok('ListContainers', { owner_id: OWNER })).containers[0].status).toBe('PAUSED');
    expect(await srv.client.ok('ResumeContainer', ref)).toEqual({ success: true });
    const { metrics } = await srv.client.ok('GetContainerMetrics', ref);
    expect(metrics).toEqual({
      container_id: info.id, function_name: 'echo', container_name: info.name, state: 'RUNNING',
      memory_current: String(5n * 2n ** 40n), memory_max: String(128 * 2 ** 20), oom_events: '0', cpu_usage_ns: '123456789',
      exit_code: 0, restart_count: 0, exit_time: '0', collected_at: String(Math.floor((NOW + 5_000) / 1000)),
    });
    expect(await srv.client.ok('DestroyContainer', ref)).toEqual({ success: true });
    expect(await srv.client.ok('ListContainers', { owner_id: OWNER })).toEqual({ containers: [] });
    await expectStatus('PauseContainer', ref, status.NOT_FOUND, 'container_id not found');
  });
});

describe('deadlines and cancellation', () => {
  it('answers DEADLINE_EXCEEDED and aborts the supervisor’s ensure when the deadline passes', async () => {
    supervisor.script.ensureDelayMs = 60_000;
    const { error } = await srv.client.call('EnsureContainer', ENSURE, { deadline: deadlineIn(300) });
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    await expect.poll(() => supervisor.abandoned.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(supervisor.workers.size).toBe(0);
  });
  it('answers CANCELLED and aborts the ensure when the client cancels', async () => {
    supervisor.script.ensureDelayMs = 60_000;
    const before = supervisor.abandoned.length;
    const pending = new Promise<number>((resolve) => {
      const call = (srv.client.raw as any).EnsureContainer(ENSURE, (err: { code: number } | null) => resolve(err ? err.code : 0));
      setTimeout(() => call.cancel(), 200);
    });
    expect(await pending).toBe(status.CANCELLED);
    await expect.poll(() => supervisor.abandoned.length, { timeout: 10_000 }).toBe(before + 1);
    await expect.poll(() => captured.lines.some((l) => l['grpc.method'] === 'EnsureContainer' && l['grpc.code'] === 'Canceled'), { timeout: 10_000 }).toBe(true);
  });
});
