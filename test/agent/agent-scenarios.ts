/**
 * Agent-level scenarios shared by the containerd and docker files: each takes a "bed" saying how
 * to start the agent in the test's isolation and how to hurt a worker from outside;
 * {@link sharedAgentTests} registers the ones both runtimes run unchanged.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { TestIsolation } from '../helpers/index.js';
import { createIsolation, waitFor } from '../helpers/index.js';
import type { AgentTestClient } from '../server/helpers/agent-client.js';
import { deadlineIn } from '../server/helpers/agent-client.js';
import { ensureRequest, invokeDirect, MEMORY_MIB, OWNER, startTestAgent, waitForListStatus, type AgentUnderTest } from './agent-support.js';

export interface AgentBed {
  iso: TestIsolation;
  env: Record<string, string>;
  image: string;
  /** Kills the worker's process from outside the agent (kill -9 / docker kill). */
  killWorker(info: WorkerInfo): Promise<void>;
  /** Keeps track of the agent the scenario started, so afterEach can stop it. */
  track(under: AgentUnderTest | undefined): void;
}

export interface WorkerInfo {
  id: string;
  name: string;
  ip_address: string;
  port: number;
}

/**
 * Gives every test of the calling `describe` a fresh isolation (`createIsolation(slug)`) and a bed
 * built by `make`; after each test the agents the bed tracked are stopped, newest first, and the
 * isolation is removed. Returns the current test's bed.
 */
export function useAgentBed(slug: string, make: (iso: TestIsolation) => Promise<Pick<AgentBed, 'env' | 'image' | 'killWorker'>>): () => AgentBed {
  let iso: TestIsolation | undefined;
  let bed: AgentBed | undefined;
  const agents: AgentUnderTest[] = [];
  beforeEach(async () => {
    bed = undefined;
    iso = await createIsolation(slug);
    bed = { iso, ...(await make(iso)), track: (u) => { if (u) agents.push(u); } };
  });
  afterEach(async () => {
    for (const a of agents.splice(0).reverse()) await a.stop();
    await iso?.cleanup();
  });
  return () => {
    if (!bed) throw new Error('no agent bed: useAgentBed works inside tests only');
    return bed;
  };
}

const ref = (info: WorkerInfo) => ({ container_id: info.id, owner_id: OWNER });

async function start(bed: AgentBed, extra: Record<string, string> = {}): Promise<AgentUnderTest> {
  const under = await startTestAgent(bed.iso, { ...bed.env, ...extra });
  bed.track(under);
  return under;
}

/** Leftovers are released by the worker actors in the background: poll until none remain. */
async function waitNothingLeft(iso: TestIsolation): Promise<void> {
  await waitFor(async () => (await iso.findLeftovers()).length === 0, { timeoutMs: 60_000, what: 'no leftovers' }).catch(async () => undefined);
  await iso.assertNothingLeft();
}

/** Checks a scenario leaves to the runtime's own file. */
export interface WorkerChecks {
  /** On the Ensure reply (the id's form, the IP's subnet). */
  ensured(info: WorkerInfo): void;
  /** On the running worker, seen from the runtime itself. */
  running?(info: WorkerInfo): Promise<void>;
}

/** Ensure, invoke (direct and through gRPC), pause, resume, metrics and Destroy; nothing left. */
export async function fullLifecycle(bed: AgentBed, checks: WorkerChecks): Promise<void> {
  const { client } = await start(bed);
  const info = await client.ok<WorkerInfo>('EnsureContainer', ensureRequest(bed.image));
  checks.ensured(info);
  expect(info.name).toMatch(new RegExp(`^${bed.iso.brand}-test-echo-[0-9a-f]{8}$`));
  expect(info.port).toBe(8080);

  expect(await invokeDirect(info.ip_address, { hello: 'direct' })).toMatchObject({ status: 200 });
  const viaGrpc = await client.ok('InvokeWorker', { ...ref(info), payload: Buffer.from('{"hello":"grpc"}'), timeout_ms: 10_000 });
  expect(viaGrpc.status_code).toBe(200);
  expect(Buffer.from(viaGrpc.body).toString()).toContain('grpc');

  await pausedHoldsInvokes(client, info);

  const { metrics } = await client.ok('GetContainerMetrics', ref(info));
  expect(metrics.state).toBe('RUNNING');
  expect(BigInt(metrics.memory_current)).toBeGreaterThan(0n);
  expect(BigInt(metrics.cpu_usage_ns)).toBeGreaterThan(0n);
  expect(BigInt(metrics.memory_max)).toBe(BigInt(MEMORY_MIB * 1024 * 1024));
  await checks.running?.(info);

  expect(await client.ok('DestroyContainer', ref(info))).toEqual({ success: true });
  expect((await client.call('InvokeWorker', ref(info))).error?.code).toBe(grpc.status.NOT_FOUND);
  await bed.iso.assertNothingLeft();
}

/** Pause: List says PAUSED and an invoke waits until Resume, then answers. */
async function pausedHoldsInvokes(client: AgentTestClient, info: WorkerInfo): Promise<void> {
  await client.ok('PauseContainer', ref(info));
  expect((await client.ok('ListContainers', { owner_id: OWNER })).containers[0].status).toBe('PAUSED');
  let settled = false;
  const during = invokeDirect(info.ip_address, { hello: 'paused' }).finally(() => { settled = true; });
  await new Promise((r) => setTimeout(r, 500));
  expect(settled).toBe(false);
  await client.ok('ResumeContainer', ref(info));
  expect(await during).toMatchObject({ status: 200 });
}

/** Ensure fails with `code` for `image`; nothing is left. */
export async function ensureFailsWith(bed: AgentBed, image: string, code: grpc.status, extra: Record<string, string> = {}): Promise<grpc.ServiceError> {
  const { client } = await start(bed, extra);
  const res = await client.call('EnsureContainer', ensureRequest(image, 'fails'));
  expect(res.error?.code, res.error?.message).toBe(code);
  expect((await client.ok('ListContainers', { owner_id: OWNER })).containers).toEqual([]);
  await waitNothingLeft(bed.iso);
  return res.error!;
}

/** Ensures cancelled by short client deadlines fail with DEADLINE_EXCEEDED (or succeed) and leave nothing. */
async function cancelledEnsuresLeaveNothing(bed: AgentBed): Promise<number> {
  const { client } = await start(bed);
  let cancelled = 0;
  for (const ms of [20, 80, 200, 400, 800]) {
    const res = await client.call<WorkerInfo>('EnsureContainer', ensureRequest(bed.image, `dl${ms}`), { deadline: deadlineIn(ms) });
    if (res.error) {
      expect(res.error.code, res.error.message).toBe(grpc.status.DEADLINE_EXCEEDED);
      cancelled++;
    } else {
      await client.ok('DestroyContainer', ref(res.reply!));
    }
  }
  await waitFor(async () => (await client.ok('ListContainers', { owner_id: OWNER })).containers.length === 0, { what: 'empty list' });
  await waitNothingLeft(bed.iso);
  return cancelled;
}

/** Destroy sent when the worker enters `state`: Ensure fails, Destroy succeeds, nothing left. */
async function destroyDuring(bed: AgentBed, state: 'creating' | 'netSetup'): Promise<void> {
  const under = await start(bed);
  const { client, agent } = under;
  let destroying: Promise<unknown> | undefined;
  const unsubscribe = agent.supervisor.subscribe(({ view }) => {
    if (!destroying && view.state.split('.')[0] === state) {
      destroying = client.ok('DestroyContainer', { container_id: view.name, owner_id: OWNER });
    }
  });
  try {
    const res = await client.call('EnsureContainer', ensureRequest(bed.image, `d${state.toLowerCase()}`));
    expect(destroying, `the worker never entered ${state}`).toBeDefined();
    expect(await destroying).toEqual({ success: true });
    expect(res.error?.code, res.error?.message).toBeDefined();
  } finally {
    unsubscribe();
  }
  await waitFor(async () => (await client.ok('ListContainers', { owner_id: OWNER })).containers.length === 0, { what: 'empty list' });
  await waitNothingLeft(bed.iso);
}

/** 20 concurrent Ensures then 20 Destroys: all succeed, distinct IPs, nothing left. */
async function twentyConcurrent(bed: AgentBed): Promise<void> {
  const { client } = await start(bed);
  const infos = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    client.ok<WorkerInfo>('EnsureContainer', ensureRequest(bed.image, `c${i}`))));
  expect(new Set(infos.map((i) => i.ip_address)).size).toBe(20);
  expect(new Set(infos.map((i) => i.id)).size).toBe(20);
  const answers = await Promise.all(infos.map((i) => invokeDirect(i.ip_address, { n: i.name })));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  const destroyed = await Promise.all(infos.map((i) => client.ok('DestroyContainer', ref(i))));
  expect(destroyed.every((d) => d.success === true)).toBe(true);
  expect((await client.ok('ListContainers', { owner_id: OWNER })).containers).toEqual([]);
  await waitNothingLeft(bed.iso);
}

/** A worker killed from outside shows as STOPPED in List; returns the measured delay in ms. */
async function killedShowsStopped(bed: AgentBed): Promise<number> {
  const { client } = await start(bed);
  const info = await client.ok<WorkerInfo>('EnsureContainer', ensureRequest(bed.image, 'killed'));
  const killedAt = performance.now();
  await bed.killWorker(info);
  await waitForListStatus(client, info.id, 'STOPPED');
  const delayMs = performance.now() - killedAt;
  expect((await client.call('InvokeWorker', { ...ref(info), payload: Buffer.from('{}') })).error?.code).toBeDefined();
  expect(await client.ok('DestroyContainer', ref(info))).toEqual({ success: true });
  await waitNothingLeft(bed.iso);
  return delayMs;
}

/** Agent stopped (workers kept) and started again: List, the IP and Invoke are right. */
async function survivesRestart(bed: AgentBed): Promise<void> {
  const first = await start(bed, { AGENT_SHUTDOWN_POLICY: 'keep' });
  const info = await first.client.ok<WorkerInfo>('EnsureContainer', ensureRequest(bed.image, 'restart'));
  await first.stop();
  const second = await start(bed, { AGENT_SHUTDOWN_POLICY: 'keep' });
  const client: AgentTestClient = second.client;
  const [entry] = (await client.ok('ListContainers', { owner_id: OWNER })).containers;
  expect(entry).toMatchObject({ container_id: info.id, container_name: info.name, status: 'RUNNING', owner_id: OWNER });
  const view = second.agent.supervisor.all().find((v) => v.containerId === info.id);
  expect(view?.ipAddress).toBe(info.ip_address);
  const invoked = await client.ok('InvokeWorker', { ...ref(info), payload: Buffer.from('{"after":"restart"}'), timeout_ms: 10_000 });
  expect(invoked.status_code).toBe(200);
  expect(await invokeDirect(info.ip_address, { direct: true })).toMatchObject({ status: 200 });
  expect(await client.ok('DestroyContainer', ref(info))).toEqual({ success: true });
  await waitNothingLeft(bed.iso);
}

/**
 * Registers the scenarios both runtimes pass unchanged (call inside the runtime's `describe`;
 * `bed()` is read when each test runs). `kill` names how `bed.killWorker` kills, `tag` prefixes
 * the logged kill → STOPPED delay.
 */
export function sharedAgentTests(bed: () => AgentBed, o: { tag: string; kill: string }): void {
  it('goes from an image that is in no registry to NOT_FOUND and nothing left', async () => {
    const err = await ensureFailsWith(bed(), '127.0.0.1:5000/esb/does-not-exist:nope', grpc.status.NOT_FOUND);
    expect(err.details).toContain('does-not-exist');
  });

  it('goes from a malformed image reference to INVALID_ARGUMENT and nothing left', async () => {
    await ensureFailsWith(bed(), 'Not A Valid::Ref', grpc.status.INVALID_ARGUMENT);
  });

  it('goes from Ensures cancelled by the client deadline to nothing left', async () => {
    expect(await cancelledEnsuresLeaveNothing(bed())).toBeGreaterThan(0);
  });

  it('goes from a Destroy during creating to a failed Ensure and nothing left', async () => {
    await destroyDuring(bed(), 'creating');
  });

  it('goes from a Destroy during netSetup to a failed Ensure and nothing left', async () => {
    await destroyDuring(bed(), 'netSetup');
  });

  it('goes from 20 concurrent Ensures to 20 distinct IPs and from 20 Destroys to nothing left', async () => {
    await twentyConcurrent(bed());
  });

  it(`goes from a ${o.kill} of the worker to STOPPED in List`, async () => {
    const delayMs = await killedShowsStopped(bed());
    console.log(`[${o.tag}] ${o.kill} → STOPPED in List after ${delayMs.toFixed(0)} ms`);
  });

  it('goes from an agent restart to the same worker, IP and a working Invoke', async () => {
    await survivesRestart(bed());
  });
}
