/**
 * SIGTERM to the agent process during a burst of Ensures (containerd): in-flight RPCs complete
 * or fail with a clean status, the process exits within AGENT_SHUTDOWN_TIMEOUT, and the
 * workers are destroyed (`destroy`) or kept and adopted by the next start (`keep`, default).
 */
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIsolation, ctr, lines, requireRuntimes, waitFor, type TestIsolation } from '../helpers/index.js';
import { containerdAgentEnv, startAgentProcess, type AgentProcess, removeRuntimeDir } from './agent-process.js';
import type { CallResult } from '../server/helpers/agent-client.js';
import { command, ensure, invokeWorker, listStatuses } from './worker-calls.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'shutdown.int.test.ts');

const TIMEOUT_MS = 15_000;
/** Codes an in-flight RPC may end with when the agent stops under it. */
const CLEAN = new Set([status.OK, status.CANCELLED, status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

describe.skipIf(!rt.ok)('graceful shutdown (containerd, agent process)', () => {
  let iso: TestIsolation;
  const agents: AgentProcess[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const a = await startAgentProcess(containerdAgentEnv(iso, { AGENT_SHUTDOWN_TIMEOUT: String(TIMEOUT_MS), ...extra }));
    agents.push(a);
    return a;
  };
  beforeEach(async () => {
    iso = await createIsolation('recovery-shutdown');
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.kill9();
    await iso.cleanup();
    removeRuntimeDir(iso);
  });

  /** 3 workers (1 paused), then 4 Ensures in flight when SIGTERM arrives. */
  async function termDuringBurst(agent: AgentProcess, image: string) {
    const first = [await ensure(agent.client, image, 'owner-a'), await ensure(agent.client, image, 'owner-a'), await ensure(agent.client, image, 'owner-b')];
    await command(agent.client, 'PauseContainer', first[1]!);
    const burst: Array<Promise<CallResult>> = Array.from({ length: 4 }, (_, i) =>
      agent.client.call('EnsureContainer', { function_name: `burst${i}`, image, owner_id: 'owner-a', env: {} }));
    // SIGTERM once the burst has reached the runtime (a fourth container exists).
    await waitFor(async () => lines(await ctr(iso.namespace, ['containers', 'ls', '-q'])).length >= 4, { timeoutMs: 30_000, intervalMs: 20, what: 'the burst in flight' });
    const exit = await agent.term();
    const outcomes = await Promise.all(burst);
    for (const o of outcomes) expect(CLEAN.has(o.error?.code ?? status.OK)).toBe(true);
    return { first, exit, outcomes };
  }

  it('goes from a burst in flight to an exit within the timeout with nothing left (destroy)', async () => {
    const image = await iso.importImage();
    const agent = await start({ AGENT_SHUTDOWN_POLICY: 'destroy' });
    const { exit } = await termDuringBurst(agent, image);
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(TIMEOUT_MS + 5_000);
    expect(agent.logs().find((l) => l.msg === 'workers destroyed on shutdown')).toMatchObject({ failed: [], timedOut: false });
    await iso.assertNothingLeft();
  });

  it('goes from a burst in flight to kept workers adopted by the next start (keep, the default)', async () => {
    const image = await iso.importImage();
    let agent = await start();
    const { first, exit, outcomes } = await termDuringBurst(agent, image);
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(TIMEOUT_MS + 5_000);
    const kept = lines(await ctr(iso.namespace, ['containers', 'ls', '-q']));
    for (const w of first) expect(kept).toContain(w.id);
    for (const o of outcomes) if (o.reply) expect(kept).toContain((o.reply as { id: string }).id);

    agent = await start();
    const ofB = await listStatuses(agent.client, 'owner-b');
    const statuses = { ...(await listStatuses(agent.client, 'owner-a')), ...ofB };
    expect(Object.keys(statuses).sort()).toEqual([...kept].sort());
    expect(statuses[first[1]!.id]).toBe('PAUSED');
    await command(agent.client, 'ResumeContainer', first[1]!);
    for (const id of kept) {
      const owner = id in ofB ? 'owner-b' : 'owner-a';
      expect(await invokeWorker(agent.client, { id, name: id, ip: '', owner })).toBe(200);
      await command(agent.client, 'DestroyContainer', { id, owner });
    }
    expect((await agent.term()).code).toBe(0);
    await iso.assertNothingLeft();
  });
});
