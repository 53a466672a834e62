/**
 * Shared set-up of the agent-level integration tests: a whole agent started in-process by the
 * composition root on a real runtime inside the test bed's isolation, and a gRPC client built
 * only from `proto/esb/agent/v1/agent.proto`.
 */
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../src/main.js';
import { connectAgent, type AgentTestClient } from '../server/helpers/agent-client.js';
import type { TestIsolation } from '../helpers/index.js';
import { ctr, lines } from '../helpers/index.js';

export const INVOKE_PATH = '/2015-03-31/functions/function/invocations';
export const OWNER = 'gw-agent-test';
/** The memory limit the tests request, MiB. */
export const MEMORY_MIB = 128;

/** An agent plus a client connected to it. */
export interface AgentUnderTest {
  agent: RunningAgent;
  client: AgentTestClient;
  env: Record<string, string>;
  /** Stops the client and the agent (workers kept or destroyed per the env's policy). */
  stop(): Promise<void>;
}

/**
 * The env of an agent in `iso` on `runtime`: TLS off, ports picked by the OS, test-bed CNI
 * (no masquerade, no default route), worker logs in the work folder, a short stop grace.
 */
export function agentEnv(iso: TestIsolation, runtime: 'containerd' | 'docker', extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...iso.agentEnv,
    AGENT_RUNTIME: runtime,
    AGENT_GRPC_TLS_DISABLED: '1',
    AGENT_GRPC_HOST: '127.0.0.1',
    PORT: '0',
    AGENT_HTTP_PORT: '0',
    AGENT_LOG_LEVEL: process.env['AGENT_TEST_LOG_LEVEL'] ?? 'silent',
    CNI_IP_MASQ: '0',
    CNI_DEFAULT_ROUTE: '0',
    AGENT_WORKER_LOG_DIR: join(iso.workDir, 'worker-logs'),
    AGENT_STOP_GRACE_MS: '500',
    AGENT_SHUTDOWN_TIMEOUT: '5000',
    ...extra,
  };
}

/** Starts the agent with `env` (host files of the runtime kept in the isolation's work folder). */
export async function startTestAgent(iso: TestIsolation, env: Record<string, string>): Promise<AgentUnderTest> {
  const agent = await startAgent(env, {
    runtimeOverrides: { cniIdentityFile: join(iso.workDir, 'esb-cni.env'), resolvConfDir: join(iso.workDir, 'resolv') },
  });
  const client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
  let stopped = false;
  return {
    agent, client, env,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.close();
      await agent.stop('test done');
    },
  };
}

/** EnsureContainer request for the echo worker with the test memory limit. */
export function ensureRequest(image: string, fn = 'echo', env: Record<string, string> = {}): Record<string, unknown> {
  return { function_name: fn, image, owner_id: OWNER, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MEMORY_MIB), ...env } };
}

/** POSTs `event` straight to the worker at ip:8080; resolves with status and parsed body. */
export async function invokeDirect(ip: string, event: unknown, timeoutMs = 30_000): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${ip}:8080${INVOKE_PATH}`, {
    method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}

/** The pid of a containerd task (`ctr tasks ls`). */
export async function containerdTaskPid(namespace: string, id: string): Promise<number> {
  const row = lines(await ctr(namespace, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id);
  const pid = Number(row?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no task pid for ${id} in ${namespace}`);
  return pid;
}

/** Polls ListContainers until the worker has `status`; returns the ms it took. */
export async function waitForListStatus(client: AgentTestClient, containerId: string, status: string, timeoutMs = 30_000): Promise<number> {
  const t0 = performance.now();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await client.ok('ListContainers', { owner_id: OWNER });
    const entry = (list.containers as Array<{ container_id: string; status: string }>).find((c) => c.container_id === containerId);
    if (entry?.status === status) return performance.now() - t0;
    if (Date.now() > deadline) throw new Error(`worker ${containerId} is ${entry?.status ?? 'absent'} in List, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
