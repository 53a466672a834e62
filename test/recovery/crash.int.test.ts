/**
 * `kill -9` of the agent in the middle of 10 concurrent Ensures (at random points across pull,
 * create, network setup and start): after a restart every container is either a working adopted
 * worker or was removed by start-up cleanup, and once they are destroyed nothing is left.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIsolation, ctr, lines, requireRuntimes, type TestIsolation } from '../helpers/index.js';
import { containerdAgentEnv, startAgentProcess, type AgentProcess, removeRuntimeDir } from './agent-process.js';
import { command, invokeWorker, type Ensured } from './worker-calls.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image', 'registry'], 'crash.int.test.ts');

/** Kill points (ms after the burst starts): early (pull/create), middle, late (network/start). */
const KILL_AFTER_MS = [
  50 + Math.floor(Math.random() * 250),
  400 + Math.floor(Math.random() * 800),
  1200 + Math.floor(Math.random() * 1500),
];

describe.skipIf(!rt.ok)('kill -9 during concurrent Ensures (containerd, agent process)', () => {
  let iso: TestIsolation;
  const agents: AgentProcess[] = [];
  const start = async (extra: Record<string, string>) => {
    const a = await startAgentProcess(containerdAgentEnv(iso, extra));
    agents.push(a);
    return a;
  };
  beforeEach(async () => {
    iso = await createIsolation('recovery-crash');
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.kill9();
    await iso.cleanup();
    removeRuntimeDir(iso);
  });

  it.each(KILL_AFTER_MS.map((ms, i) => [ms, i === 0 ? 'always' : 'if-not-present'] as const))(
    'goes from 10 Ensures killed after %i ms (pull policy %s) to adopted-or-removed and then nothing left',
    async (killAfter, policy) => {
      const image = await iso.importImage();
      const env = { IMAGE_PULL_POLICY: policy, AGENT_RECONCILE_INTERVAL_MS: '0' };
      let agent = await start(env);
      const burst = Array.from({ length: 10 }, (_, i) => agent.client.call('EnsureContainer', {
        function_name: `fn${i}`, image, owner_id: `owner-${i % 2}`, env: {},
      }));
      await new Promise((r) => setTimeout(r, killAfter)); // the kill point itself is what varies
      await agent.kill9();
      const outcomes = await Promise.all(burst);
      const answered = outcomes.filter((o) => o.reply).length;

      agent = await start(env);
      const recovery = agent.logs().find((l) => l.msg === 'start-up recovery done');
      const cleaned = agent.logs().filter((l) => typeof l.msg === 'string' && l.msg.startsWith('start-up cleanup removed'));
      const listed = new Map<string, Ensured>();
      for (const owner of ['owner-0', 'owner-1']) {
        const r = await agent.client.ok<{ containers: Array<{ container_id: string; status: string }> }>('ListContainers', { owner_id: owner });
        for (const c of r.containers) {
          expect(c.status).toBe('RUNNING');
          listed.set(c.container_id, { id: c.container_id, name: c.container_id, ip: '', owner });
        }
      }
      // Every container in the namespace is an adopted worker: nothing half-made survived the start.
      expect(lines(await ctr(iso.namespace, ['containers', 'ls', '-q'])).sort()).toEqual([...listed.keys()].sort());
      expect(listed.size).toBeGreaterThanOrEqual(answered);
      for (const w of listed.values()) {
        expect(await invokeWorker(agent.client, w)).toBe(200);
        await command(agent.client, 'DestroyContainer', w);
      }
      console.info(`kill after ${killAfter} ms: ${answered} Ensures answered, ${listed.size} adopted, ${cleaned.length} leftovers removed`,
        cleaned.map((l) => `${String(l['kind'])}:${String(l['reason'])}`), recovery?.['adoptMs']);
      expect((await agent.term()).code).toBe(0);
      await iso.assertNothingLeft();
    },
  );
});
