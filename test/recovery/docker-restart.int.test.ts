/**
 * Restart recovery with the whole agent as a child process on the real dockerd: workers survive
 * `kill -9` of the agent and the next start adopts them with their states, owners and IPs (the
 * list's network settings); a container created but never started is removed at start-up.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIsolation, docker, lines, requireRuntimes, type TestIsolation } from '../helpers/index.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';
import { command, ensure, invokeDirect, invokeWorker, listStatuses, type Ensured } from './worker-calls.js';

const rt = await requireRuntimes(['docker', 'image'], 'docker-restart.int.test.ts');

describe.skipIf(!rt.ok)('restart recovery (docker, agent process)', () => {
  let iso: TestIsolation;
  const agents: AgentProcess[] = [];
  let network = '';
  const start = async () => {
    const a = await startAgentProcess({
      ESB_BRAND_SLUG: iso.brand, ENV: 'test', CONTAINERS_NETWORK: network, AGENT_RUNTIME: 'docker',
      AGENT_GRPC_TLS_DISABLED: '1', AGENT_GRPC_HOST: '127.0.0.1', PORT: '0', AGENT_HTTP_PORT: '0',
      AGENT_LOG_FORMAT: 'json', AGENT_STOP_GRACE_MS: '500', IMAGE_PULL_POLICY: 'if-not-present',
    });
    agents.push(a);
    return a;
  };
  const ours = async () => lines(await docker(['ps', '-aq', '--filter', `label=created_by=${iso.brand}-agent`]));
  beforeEach(async () => {
    iso = await createIsolation('recovery-docker');
    network = (await iso.createDockerNetwork()).name;
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.kill9();
    for (const id of await ours()) await docker(['rm', '-f', id]);
    await iso.cleanup();
  });

  it('goes from 5 workers (2 paused) and a never-started container through kill -9 to 5 adopted and the leftover removed', async () => {
    const image = await iso.loadDockerImage();
    let agent = await start();
    const workers: Ensured[] = [];
    for (const owner of ['owner-a', 'owner-a', 'owner-a', 'owner-b', 'owner-b']) workers.push(await ensure(agent.client, image, owner));
    const paused = [workers[0]!, workers[4]!];
    for (const w of paused) await command(agent.client, 'PauseContainer', w);
    await agent.kill9();
    // What a kill between create and start leaves: a created container with our labels.
    const b = iso.brand;
    const halfMade = `${b}-test-echo-0000dead`;
    await docker(['create', '--name', halfMade, '--network', network,
      '--label', `created_by=${b}-agent`, '--label', `${b}_env=test`, '--label', `com.${b}.kind=function`,
      '--label', `${b}_function=echo`, '--label', `com.${b}.owner=owner-a`, image]);

    agent = await start();
    expect(agent.logs().find((l) => l.msg === 'start-up recovery done')).toMatchObject({ adopted: 5, byStatus: { RUNNING: 3, PAUSED: 2 } });
    expect(agent.logs().some((l) => l.msg === `start-up cleanup removed container ${halfMade}: created but never started`)).toBe(true);
    const statuses = { ...(await listStatuses(agent.client, 'owner-a')), ...(await listStatuses(agent.client, 'owner-b')) };
    expect(Object.keys(statuses).sort()).toEqual(workers.map((w) => w.id).sort());
    for (const w of workers) {
      expect(statuses[w.id]).toBe(paused.includes(w) ? 'PAUSED' : 'RUNNING');
      if (paused.includes(w)) await command(agent.client, 'ResumeContainer', w);
      expect(await invokeDirect(w.ip)).toBe(200);
      expect(await invokeWorker(agent.client, w)).toBe(200);
      await command(agent.client, 'PauseContainer', w);
      await command(agent.client, 'ResumeContainer', w);
      await command(agent.client, 'DestroyContainer', w);
    }
    expect((await agent.term()).code).toBe(0);
    expect(await ours()).toEqual([]);
    await iso.assertNothingLeft();
  });
});
