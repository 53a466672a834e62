/**
 * The invoke proxy inside a whole agent (composition root, real supervisor and worker
 * machines) on the simulated runtime, whose workers answer on their own loopback 127.x:8080:
 * routing from real machine states, auto-resume, last_used_at and NOT_FOUND after destroy.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import type { Invoker } from '../../src/invoke/invoke-api.js';
import { startAgent, type RunningAgent } from '../../src/main.js';
import { connectAgent, type AgentTestClient } from '../server/helpers/agent-client.js';

const ENV = {
  ENV: 'test', CONTAINERS_NETWORK: 'esb-test-external', ESB_BRAND_SLUG: 'esbinv', AGENT_RUNTIME: 'simulated',
  AGENT_GRPC_HOST: '127.0.0.1', PORT: '0', AGENT_HTTP_PORT: '0', AGENT_GRPC_TLS_DISABLED: '1',
  AGENT_LOG_LEVEL: 'silent', AGENT_STOP_GRACE_MS: '10', AGENT_SHUTDOWN_TIMEOUT: '2000', AGENT_SHUTDOWN_POLICY: 'destroy',
};
const OWNER = 'gw-invoke';

let agent: RunningAgent | undefined;
let client: AgentTestClient | undefined;
afterEach(async () => {
  client?.close();
  await agent?.stop('test done');
  agent = undefined;
  client = undefined;
});

async function start(extra: Record<string, string> = {}): Promise<{ c: AgentTestClient; proxy: Invoker; id: string }> {
  let proxy: Invoker | undefined;
  agent = await startAgent({ ...ENV, ...extra }, { invoker: (built) => (proxy = built) });
  client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
  const info = await client.ok('EnsureContainer', { function_name: 'echo', image: 'esb/echo:latest', owner_id: OWNER, env: {} });
  return { c: client, proxy: proxy!, id: info.id as string };
}

const invoke = (c: AgentTestClient, id: string) =>
  c.call('InvokeWorker', { container_id: id, owner_id: OWNER, payload: Buffer.from('{"n":1}'), timeout_ms: 10_000 });

describe('invoker in the agent on the simulated runtime', () => {
  it('refuses a paused worker with FAILED_PRECONDITION and serves it again after ResumeContainer', async () => {
    const { c, id } = await start();
    expect((await invoke(c, id)).reply?.status_code).toBe(200);
    await c.ok('PauseContainer', { container_id: id, owner_id: OWNER });
    const refused = await invoke(c, id);
    expect(refused.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(refused.error?.details).toContain('AGENT_INVOKE_AUTO_RESUME');
    await c.ok('ResumeContainer', { container_id: id, owner_id: OWNER });
    expect((await invoke(c, id)).reply?.status_code).toBe(200);
  });

  it('resumes a paused worker itself with AGENT_INVOKE_AUTO_RESUME=1', async () => {
    const { c, id } = await start({ AGENT_INVOKE_AUTO_RESUME: '1' });
    await c.ok('PauseContainer', { container_id: id, owner_id: OWNER });
    const out = await invoke(c, id);
    expect(out.error).toBeUndefined();
    expect(out.reply?.status_code).toBe(200);
    const [entry] = (await c.ok('ListContainers', { owner_id: OWNER })).containers;
    expect(entry.status).toBe('RUNNING');
  });

  it('moves last_used_at to the invoke start', async () => {
    const { c, id } = await start();
    const before = Date.now();
    await invoke(c, id);
    const [entry] = (await c.ok('ListContainers', { owner_id: OWNER })).containers;
    expect(Number(entry.last_used_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000));
  });

  it('gives PERMISSION_DENIED to another owner and NOT_FOUND once destroyed', async () => {
    const { c, proxy, id } = await start();
    const other = await c.call('InvokeWorker', { container_id: id, owner_id: 'someone-else' });
    expect(other.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    await c.ok('DestroyContainer', { container_id: id, owner_id: OWNER });
    expect((await invoke(c, id)).error?.code).toBe(grpc.status.NOT_FOUND);
    const err = await proxy.invoke({ containerId: id, ownerId: OWNER, path: '', payload: Buffer.alloc(0), headers: {}, timeoutMs: 60_000 }, {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('NOT_FOUND');
  });
});
