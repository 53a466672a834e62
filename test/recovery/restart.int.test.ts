/**
 * Restart recovery with the whole agent as a child process on real containerd: workers survive
 * `kill -9` of the agent and are adopted by the next start with their states, owners and IPs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIsolation, requireRuntimes, type TestIsolation } from '../helpers/index.js';
import { containerdAgentEnv, startAgentProcess, type AgentProcess, removeRuntimeDir } from './agent-process.js';
import { command, ensure, invokeDirect, invokeWorker, listStatuses, type Ensured } from './worker-calls.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'restart.int.test.ts');

describe.skipIf(!rt.ok)('restart recovery (containerd, agent process)', () => {
  let iso: TestIsolation;
  const agents: AgentProcess[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const a = await startAgentProcess(containerdAgentEnv(iso, extra));
    agents.push(a);
    return a;
  };
  beforeEach(async () => {
    iso = await createIsolation('recovery-restart');
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.kill9();
    await iso.cleanup();
    removeRuntimeDir(iso);
  });

  it('goes from 5 workers (2 paused) through kill -9 to the same 5 adopted, each usable, nothing left', async () => {
    const image = await iso.importImage();
    let agent = await start();
    const workers: Ensured[] = [];
    for (const owner of ['owner-a', 'owner-a', 'owner-a', 'owner-b', 'owner-b']) workers.push(await ensure(agent.client, image, owner));
    const paused = [workers[1]!, workers[3]!];
    for (const w of paused) await command(agent.client, 'PauseContainer', w);
    await agent.kill9();

    agent = await start();
    const ready = agent.logs().find((l) => l.msg === 'start-up recovery done');
    expect(ready).toMatchObject({ adopted: 5, byStatus: { RUNNING: 3, PAUSED: 2 } });
    const statuses = { ...(await listStatuses(agent.client, 'owner-a')), ...(await listStatuses(agent.client, 'owner-b')) };
    expect(Object.keys(statuses).sort()).toEqual(workers.map((w) => w.id).sort());
    for (const w of workers) expect(statuses[w.id]).toBe(paused.includes(w) ? 'PAUSED' : 'RUNNING');
    expect(await listStatuses(agent.client, 'owner-c')).toEqual({});

    for (const w of workers) {
      if (paused.includes(w)) await command(agent.client, 'ResumeContainer', w);
      expect(await invokeDirect(w.ip)).toBe(200);
      expect(await invokeWorker(agent.client, w)).toBe(200);
      await command(agent.client, 'PauseContainer', w);
      await command(agent.client, 'ResumeContainer', w);
      expect(await invokeWorker(agent.client, w)).toBe(200);
    }
    const other = await agent.client.call('DestroyContainer', { container_id: workers[0]!.id, owner_id: 'owner-b' });
    expect(other.error?.code).toBe(7); // PERMISSION_DENIED
    for (const w of workers) await command(agent.client, 'DestroyContainer', w);
    expect(await listStatuses(agent.client, 'owner-a')).toEqual({});
    const { code } = await agent.term();
    expect(code).toBe(0);
    await iso.assertNothingLeft();
  });

  it('goes from a container no actor knows to removed by DestroyContainer (never a silent success)', async () => {
    const image = await iso.importImage();
    let agent = await start({ AGENT_RECONCILE_INTERVAL_MS: '0' });
    const w = await ensure(agent.client, image, 'owner-a');
    await agent.kill9();
    // A second agent process of the same env made it: the running agent has no actor for it.
    agent = await start({ AGENT_RECONCILE_INTERVAL_MS: '0' });
    const other = await start({ AGENT_RECONCILE_INTERVAL_MS: '0' });
    const fresh = await ensure(other.client, image, 'owner-a');
    expect(await listStatuses(agent.client, 'owner-a')).toEqual({ [w.id]: 'RUNNING' });
    await command(agent.client, 'DestroyContainer', fresh);
    expect(agent.logs().some((l) => l.msg === 'destroying a container no actor knows' && l['worker'] === fresh.name)).toBe(true);
    await command(agent.client, 'DestroyContainer', w);
    await other.term();
    await agent.term();
    await iso.assertNothingLeft();
  });
});
