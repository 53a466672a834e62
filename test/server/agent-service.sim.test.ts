/**
 * AgentService over real gRPC backed by the real supervisor, worker machines, runtime actors
 * and limiter on the simulated runtime: the contract's codes for the lifecycle, runtime faults
 * with their prefixes, and nothing left in the runtime after a cancelled or timed-out Ensure.
 */
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../machines/sim-harness.js';
import { deadlineIn } from './helpers/agent-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const OWNER = 'gw-1';
const IMAGE = '127.0.0.1:5000/esb/echo:latest';
const ENSURE = { function_name: 'echo', image: IMAGE, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }, owner_id: OWNER };

let h: Harness;
let srv: TestServer;

beforeEach(async () => {
  h = harness({ t0: 1_750_000_000_500 });
  srv = await startTestServer({ supervisor: h.sup });
});
afterEach(async () => {
  await srv.close();
  await h.cleanup();
});

async function expectStatus(method: Parameters<TestServer['client']['call']>[0], req: Record<string, unknown>, code: status, details: string | RegExp) {
  const { error } = await srv.client.call(method, req);
  expect(error, `${method} should fail`).toBeDefined();
  expect(status[error!.code]).toBe(status[code]);
  if (typeof details === 'string') expect(error!.details).toBe(details);
  else expect(error!.details).toMatch(details);
}

/** Nothing of ours is left in the simulated runtime. */
async function expectRuntimeEmpty(): Promise<void> {
  await expect.poll(() => {
    const s = h.runtime.snapshotState();
    return { containers: s.containers.length, networks: s.networks.length, started: s.started.length, workers: h.sup.size };
  }, { timeout: 10_000 }).toEqual({ containers: 0, networks: 0, started: 0, workers: 0 });
}

describe('AgentService on the simulated runtime', () => {
  it('goes Ensure → List → Pause → Resume → Metrics → Destroy with the contract codes', async () => {
    const info = await srv.client.ok('EnsureContainer', ENSURE);
    expect(info).toEqual({ id: expect.stringMatching(/^esb-test-echo-[0-9a-f]{8}$/), name: info.id, ip_address: expect.any(String), port: 8080 });
    expect(info.ip_address).not.toBe('');
    const ref = { container_id: info.id, owner_id: OWNER };
    const [entry] = (await srv.client.ok('ListContainers', { owner_id: OWNER })).containers;
    const view = h.sup.lookup(info.id, OWNER).view();
    expect(entry).toEqual({
      container_id: info.id, function_name: 'echo', status: 'RUNNING', container_name: info.name, owner_id: OWNER,
      created_at: String(Math.floor(view.createdAt / 1000)), last_used_at: String(Math.floor(view.lastUsedAt / 1000)),
    });
    expect(Number(entry.created_at)).toBeGreaterThan(1_750_000_000 - 1);
    await srv.client.ok('PauseContainer', ref);
    expect((await srv.client.ok('ListContainers', { owner_id: OWNER })).containers[0].status).toBe('PAUSED');
    expect(h.runtime.snapshotState().paused).toEqual([info.id]);
    await srv.client.ok('ResumeContainer', ref);
    const { metrics } = await srv.client.ok('GetContainerMetrics', ref);
    expect(metrics).toMatchObject({ container_id: info.id, container_name: info.name, function_name: 'echo', state: 'RUNNING', exit_time: '0' });
    expect(await srv.client.ok('DestroyContainer', ref)).toEqual({ success: true });
    await expectRuntimeEmpty();
    await expectStatus('GetContainerMetrics', ref, status.NOT_FOUND, 'container_id not found');
  });

  it('answers FAILED_PRECONDITION for Pause of a paused worker and Resume of a running one, touching nothing', async () => {
    const info = await srv.client.ok('EnsureContainer', ENSURE);
    const ref = { container_id: info.id, owner_id: OWNER };
    await expectStatus('ResumeContainer', ref, status.FAILED_PRECONDITION, 'cannot resume container in state running');
    await srv.client.ok('PauseContainer', ref);
    const pauses = h.runtime.snapshotState().calls.pause;
    await expectStatus('PauseContainer', ref, status.FAILED_PRECONDITION, 'cannot pause container in state paused');
    expect(h.runtime.snapshotState().calls.pause).toBe(pauses);
  });

  it('answers success for Destroy of an unknown container and NOT_FOUND for the others', async () => {
    expect(await srv.client.ok('DestroyContainer', { container_id: 'esb-test-echo-deadbeef', owner_id: OWNER })).toEqual({ success: true });
    for (const m of ['PauseContainer', 'ResumeContainer', 'GetContainerMetrics'] as const) {
      await expectStatus(m, { container_id: 'esb-test-echo-deadbeef', owner_id: OWNER }, status.NOT_FOUND, 'container_id not found');
    }
  });

  it('answers PERMISSION_DENIED to another owner and leaves the worker alone', async () => {
    const info = await srv.client.ok('EnsureContainer', ENSURE);
    for (const m of ['DestroyContainer', 'PauseContainer', 'ResumeContainer', 'GetContainerMetrics'] as const) {
      await expectStatus(m, { container_id: info.id, owner_id: 'gw-2' }, status.PERMISSION_DENIED, 'owner_id does not match container');
    }
    expect((await srv.client.ok('ListContainers', { owner_id: 'gw-2' })).containers).toEqual([]);
    expect(h.runtime.snapshotState().started).toEqual([info.id]);
  });

  it('answers INVALID_ARGUMENT for a function name that cannot form a container name', async () => {
    await expectStatus('EnsureContainer', { ...ENSURE, function_name: 'bad name/../x' }, status.INVALID_ARGUMENT, /cannot form a container name/);
    await expectStatus('EnsureContainer', { ...ENSURE, function_name: '   ' }, status.INVALID_ARGUMENT, /cannot form a container name/);
    expect(h.runtime.snapshotState().calls.create).toBe(0);
  });

  it('reports a pull failure as INTERNAL with the prefix and rolls everything back', async () => {
    h.runtime.failNext('ensureImage', { error: { code: 'INTERNAL', message: 'manifest unknown' } });
    await expectStatus('EnsureContainer', ENSURE, status.INTERNAL, /^failed to ensure container: .*manifest unknown/);
    await expectRuntimeEmpty();
  });

  it('reports a network failure as INTERNAL with the prefix and rolls the container back', async () => {
    h.runtime.failNext('setupNetwork', { error: { code: 'INTERNAL', message: 'no IP left' } });
    await expectStatus('EnsureContainer', ENSURE, status.INTERNAL, /^failed to ensure container: .*no IP left/);
    await expectRuntimeEmpty();
  });

  it('reports runtime failures of pause, resume, metrics and destroy with their prefixes', async () => {
    const info = await srv.client.ok('EnsureContainer', ENSURE);
    const ref = { container_id: info.id, owner_id: OWNER };
    h.runtime.failNext('pause', { error: { code: 'INTERNAL', message: 'freezer busy' } });
    await expectStatus('PauseContainer', ref, status.INTERNAL, /^failed to pause container: .*freezer busy/);
    await srv.client.ok('PauseContainer', ref);
    h.runtime.failNext('resume', { error: { code: 'INTERNAL', message: 'thaw failed' } });
    await expectStatus('ResumeContainer', ref, status.INTERNAL, /^failed to resume container: .*thaw failed/);
    await srv.client.ok('ResumeContainer', ref);
    h.runtime.failNext('metrics', { error: { code: 'INTERNAL', message: 'metrics not implemented for docker runtime' } });
    await expectStatus('GetContainerMetrics', ref, status.INTERNAL, 'failed to get container metrics: metrics not implemented for docker runtime');
    h.runtime.failNext('remove', { error: { code: 'INTERNAL', message: 'device busy' } });
    const { error } = await srv.client.call('DestroyContainer', ref);
    expect(error?.code).toBe(status.INTERNAL);
    expect(error?.details).toMatch(/^failed to destroy container: .*device busy/);
    expect(error?.details).not.toMatch(/failed to destroy container: failed to destroy container/);
  });

  it('answers DEADLINE_EXCEEDED when Ensure outlives its deadline and leaves nothing behind', async () => {
    h.runtime.hang('start');
    const { error } = await srv.client.call('EnsureContainer', ENSURE, { deadline: deadlineIn(500) });
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    await expectRuntimeEmpty();
  });

  it('destroys the worker of an Ensure the client cancels, leaving nothing behind', async () => {
    h.runtime.hang('create', { afterEffect: true });
    const code = await new Promise<number>((resolve) => {
      const call = (srv.client.raw as any).EnsureContainer(ENSURE, (err: { code: number } | null) => resolve(err ? err.code : 0));
      void h.runtime.waitForHang('create').then(() => call.cancel());
    });
    expect(code).toBe(status.CANCELLED);
    await expectRuntimeEmpty();
  });
});
