/** gRPC and direct-HTTP calls on workers, shared by the restart tests. */
import type { AgentTestClient } from '../server/helpers/agent-client.js';

export const INVOKE_PATH = '/2015-03-31/functions/function/invocations';

export interface Ensured {
  id: string;
  name: string;
  ip: string;
  owner: string;
}

export async function ensure(client: AgentTestClient, image: string, owner: string, fn = 'echo'): Promise<Ensured> {
  const r = await client.ok<{ id: string; name: string; ip_address: string }>('EnsureContainer', { function_name: fn, image, owner_id: owner, env: {} });
  return { id: r.id, name: r.name, ip: r.ip_address, owner };
}

/** POSTs straight to the worker's IP:8080; returns the HTTP status. */
export async function invokeDirect(ip: string, payload: unknown = { hello: 'direct' }): Promise<number> {
  const res = await fetch(`http://${ip}:8080${INVOKE_PATH}`, { method: 'POST', body: JSON.stringify(payload), signal: AbortSignal.timeout(15_000) });
  await res.arrayBuffer();
  return res.status;
}

/** InvokeWorker through the agent; returns the HTTP status the worker answered. */
export async function invokeWorker(client: AgentTestClient, w: Ensured): Promise<number> {
  const r = await client.ok<{ status_code: number }>('InvokeWorker', {
    container_id: w.id, owner_id: w.owner, payload: Buffer.from(JSON.stringify({ hello: 'proxy' })), timeout_ms: 15_000,
  });
  return r.status_code;
}

export async function listStatuses(client: AgentTestClient, owner: string): Promise<Record<string, string>> {
  const r = await client.ok<{ containers: Array<{ container_id: string; status: string; owner_id: string }> }>('ListContainers', { owner_id: owner });
  return Object.fromEntries(r.containers.map((c) => [c.container_id, c.status]));
}

export async function command(client: AgentTestClient, method: 'PauseContainer' | 'ResumeContainer' | 'DestroyContainer', w: Pick<Ensured, 'id' | 'owner'>): Promise<void> {
  await client.ok(method, { container_id: w.id, owner_id: w.owner });
}
