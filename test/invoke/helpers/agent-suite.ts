/**
 * InvokeWorker through the whole agent (composition root, supervisor, worker machines, the
 * runtime adapter the agent selects from its env) to the REAL echo worker, over gRPC with a
 * client built from the proto alone. Each runtime's test file supplies the env.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AgentTestClient } from '../../server/helpers/agent-client.js';
import { createIsolation, type TestIsolation, waitFor, WORKER_IMAGE_REF } from '../../helpers/index.js';
import { type AgentUnderTest, startTestAgent } from '../../agent/agent-support.js';

const OWNER = 'gw-invoke-it';

interface Stats { received: number; rejected: number; inFlight: number }

/** What a runtime's test file supplies. */
export interface AgentRuntimeSetup {
  /** Prepares the isolation (image, network) and returns the agent's env for it. */
  prepare(iso: TestIsolation): Promise<Record<string, string>>;
  /** Ids of this isolation's worker containers still in the runtime (the leak check). */
  leftovers(iso: TestIsolation): Promise<string[]>;
  /** Force-removes them (cleanup after a failure). */
  remove(iso: TestIsolation, ids: string[]): Promise<void>;
}

/** Defines the suite; `skip` when the runtime (or its adapter) is missing. */
export function defineAgentInvokeSuite(label: string, slug: string, skip: boolean, setup: AgentRuntimeSetup): void {
  describe.skipIf(skip)(`InvokeWorker through the agent on ${label} (real echo worker)`, () => {
    let iso: TestIsolation;
    let agent: AgentUnderTest | undefined;
    let client: AgentTestClient;
    let id: string;
    let ip: string;

    const stats = async (): Promise<Stats> => (await (await request(`http://${ip}:8080/__stats`)).body.json()) as Stats;
    const invoke = (event: unknown, extra: Record<string, unknown> = {}, options: grpc.CallOptions = {}) =>
      client.call('InvokeWorker', {
        container_id: id, owner_id: OWNER, payload: Buffer.from(JSON.stringify(event)),
        headers: { 'Content-Type': 'application/json' }, timeout_ms: 30_000, ...extra,
      }, options);
    const ours = (): Promise<string[]> => setup.leftovers(iso);

    beforeAll(async () => {
      iso = await createIsolation(slug);
      agent = await startTestAgent(iso, { ...(await setup.prepare(iso)), AGENT_SHUTDOWN_POLICY: 'destroy' });
      client = agent.client;
      const info = await client.ok('EnsureContainer', { function_name: 'echo', image: WORKER_IMAGE_REF, owner_id: OWNER, env: {} });
      id = info.id as string;
      ip = info.ip_address as string;
      await waitFor(async () => (await stats()).received >= 0, { what: `echo worker at ${ip}` });
    });
    afterAll(async () => {
      await agent?.stop();
      try {
        expect(await ours()).toEqual([]);
        await iso.assertNothingLeft();
      } finally {
        await setup.remove(iso, await ours()).catch(() => undefined);
        await iso.cleanup();
      }
    });

    it('round-trips an echo with headers and status, as data', async () => {
      const { reply, error } = await invoke({ hello: 'agent' }, { headers: { 'Content-Type': 'application/json', 'x-test': 'v' } });
      expect(error).toBeUndefined();
      expect(reply.status_code).toBe(200);
      const body = JSON.parse(Buffer.from(reply.body).toString()) as { echo: unknown; headers: Record<string, string> };
      expect(body.echo).toEqual({ hello: 'agent' });
      expect(body.headers['x-test']).toBe('v');
      const failed = await invoke({ fail: 'boom' });
      expect(failed.reply.status_code).toBe(200);
      expect(failed.reply.headers['X-Amz-Function-Error']).toBe('Unhandled');
    });

    it('gives DEADLINE_EXCEEDED after timeout_ms, and a client cancel aborts the one request the worker saw', async () => {
      const before = await stats();
      const timedOut = await invoke({ sleepMs: 20_000 }, { timeout_ms: 500 });
      expect(timedOut.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(timedOut.error?.details).toMatch(/^invoke timeout: /);
      await waitFor(async () => (await stats()).inFlight === 0, { what: 'worker idle' });
      const call = (client.raw as unknown as Record<string, (req: unknown, cb: (e: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall>)
        .InvokeWorker!({ container_id: id, owner_id: OWNER, payload: Buffer.from('{"sleepMs":20000}'), timeout_ms: 60_000 }, () => undefined);
      await waitFor(async () => (await stats()).received === before.received + 2, { what: 'second request at the worker' });
      call.cancel();
      await waitFor(async () => (await stats()).inFlight === 0, { what: 'worker idle after cancel' });
      expect((await stats()).received).toBe(before.received + 2);
    });

    it('invokes a worker that resets after the body exactly once → UNAVAILABLE', async () => {
      const before = await stats();
      const { error } = await invoke({ resetAfterBody: true });
      expect(error?.code).toBe(grpc.status.UNAVAILABLE);
      expect(error?.details).toContain('outcome is unknown');
      await waitFor(async () => (await stats()).inFlight === 0, { what: 'worker idle' });
      expect((await stats()).received).toBe(before.received + 1);
    });

    it('answers 50 concurrent invokes, one at a time at the worker', async () => {
      const before = await stats();
      const outs = await Promise.all(Array.from({ length: 50 }, (_, i) => invoke({ i })));
      expect(outs.every((o) => o.reply?.status_code === 200)).toBe(true);
      const after = await stats();
      expect(after.received - before.received).toBe(50);
      expect(after.rejected - before.rejected).toBe(0);
    });

    it('refuses a paused worker with FAILED_PRECONDITION and serves it after ResumeContainer', async () => {
      const ref = { container_id: id, owner_id: OWNER };
      await client.ok('PauseContainer', ref);
      expect((await invoke({})).error?.code).toBe(grpc.status.FAILED_PRECONDITION);
      await client.ok('ResumeContainer', ref);
      expect((await invoke({ after: 'resume' })).reply?.status_code).toBe(200);
    });

    it('gives NOT_FOUND once the worker is destroyed', async () => {
      await client.ok('DestroyContainer', { container_id: id, owner_id: OWNER });
      const { error } = await invoke({});
      expect(error?.code).toBe(grpc.status.NOT_FOUND);
      expect(await ours()).toEqual([]);
    });
  });
}
