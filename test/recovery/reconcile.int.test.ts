/**
 * The reconcile loop against real containerd: a worker whose container is removed by hand
 * (`ctr`) follows within one interval (STOPPED at once from the exit event, then released by the
 * reconcile, which also frees its CNI attachment); a container made by another agent process of
 * the same env is adopted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIsolation, ctr, requireRuntimes, waitFor, type TestIsolation } from '../helpers/index.js';
import { containerdAgentEnv, startAgentProcess, type AgentProcess, removeRuntimeDir } from './agent-process.js';
import { command, ensure, invokeWorker, listStatuses } from './worker-calls.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'reconcile.int.test.ts');

describe.skipIf(!rt.ok)('periodic reconcile (containerd, agent process)', () => {
  let iso: TestIsolation;
  const agents: AgentProcess[] = [];
  const start = async (interval: string) => {
    const a = await startAgentProcess(containerdAgentEnv(iso, { AGENT_RECONCILE_INTERVAL_MS: interval }));
    agents.push(a);
    return a;
  };
  beforeEach(async () => {
    iso = await createIsolation('recovery-reconcile');
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.kill9();
    await iso.cleanup();
    removeRuntimeDir(iso);
  });

  it('goes from a container removed by hand to a released worker, and adopts one it did not make', async () => {
    const image = await iso.importImage();
    const agent = await start('500');
    const gone = await ensure(agent.client, image, 'owner-a');
    const kept = await ensure(agent.client, image, 'owner-a');
    await ctr(iso.namespace, ['tasks', 'kill', '-s', 'SIGKILL', gone.id]);
    await waitFor(async () => (await listStatuses(agent.client, 'owner-a'))[gone.id] === 'STOPPED', { what: 'exit event followed' });
    await ctr(iso.namespace, ['tasks', 'delete', gone.id]);
    await ctr(iso.namespace, ['containers', 'delete', gone.id]);
    await waitFor(async () => !((gone.id) in (await listStatuses(agent.client, 'owner-a'))), { what: 'vanished worker released' });
    expect(agent.logs().some((l) => l.msg === 'reconcile: container vanished outside the agent; releasing the worker' && l['worker'] === gone.id)).toBe(true);

    const other = await start('0'); // another agent process of the same env makes a worker
    const foreign = await ensure(other.client, image, 'owner-b');
    await other.kill9();
    await waitFor(async () => (await listStatuses(agent.client, 'owner-b'))[foreign.id] === 'RUNNING', { what: 'foreign worker adopted' });
    expect(await invokeWorker(agent.client, foreign)).toBe(200);
    await command(agent.client, 'DestroyContainer', foreign);
    await command(agent.client, 'DestroyContainer', kept);
    expect((await agent.term()).code).toBe(0);
    // The removed container's snapshot is containerd's to collect; everything else of ours is gone.
    await waitFor(async () => (await iso.findLeftovers()).length === 0 || undefined, { what: 'nothing left', timeoutMs: 30_000 }).catch(() => undefined);
    await iso.assertNothingLeft();
  });
});
