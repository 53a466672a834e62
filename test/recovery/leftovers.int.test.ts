/**
 * Start-up cleanup on containerd, one crash scenario per worker: the leftovers are made with the
 * real adapter (configured exactly like the agent) and partly taken apart through containerd's
 * API, as a `kill -9` at that point would leave them. The agent process started afterwards must
 * remove each of them, say so in its log, adopt none of them, and leave nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { containerdContext } from '../../src/recovery/containerd-access.js';
import { ipamDir } from '../../src/recovery/containerd-scan.js';
import type { ContainerRuntime } from '../../src/runtime/container-runtime.js';
import { containerdRuntimeFromConfig } from '../../src/runtime/containerd/from-config.js';
import { createLeaseId } from '../../src/runtime/containerd/adapter-context.js';
import { workerLabels } from '../../src/identity.js';
import { createIsolation, requireRuntimes, type TestIsolation } from '../helpers/index.js';
import { containerdAgentEnv, startAgentProcess, type AgentProcess, removeRuntimeDir } from './agent-process.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'leftovers.int.test.ts');

describe.skipIf(!rt.ok)('start-up cleanup of crash leftovers (containerd)', () => {
  let iso: TestIsolation;
  let runtime: ContainerRuntime | undefined;
  let agent: AgentProcess | undefined;
  let fakeShim: ChildProcess | undefined;
  beforeEach(async () => {
    iso = await createIsolation('recovery-leftovers');
  });
  afterEach(async () => {
    await agent?.kill9();
    if (fakeShim && fakeShim.exitCode === null && fakeShim.signalCode === null) fakeShim.kill('SIGKILL');
    await runtime?.close();
    agent = runtime = undefined;
    await iso.cleanup();
    removeRuntimeDir(iso);
  });

  it('goes from one leftover of each crash point to a clean namespace, one log line per item', async () => {
    const image = await iso.importImage();
    const env = containerdAgentEnv(iso);
    const config = loadConfig(env);
    runtime = await containerdRuntimeFromConfig(config);
    const ctx = containerdContext(runtime)!;
    const id = config.identity;
    let n = 0;
    const spec = (fn: string) => {
      const name = `${id.containerPrefix}-${id.env}-${fn}-${(++n).toString(16).padStart(8, '0')}`;
      return { name, functionName: fn, image, env: {}, ownerId: 'owner-a', labels: workerLabels(id, fn, 'owner-a') };
    };
    const call = (service: 'tasks' | 'containers' | 'leases' | 'snapshots', method: string, req: object) => ctx.client.call(service, method, req);
    const killTask = async (name: string) => {
      await call('tasks', 'Kill', { container_id: name, signal: 9, all: true }).catch(() => undefined);
      await call('tasks', 'Delete', { container_id: name });
    };

    const noTask = spec('notask');            // created, task gone: "created, no task"
    await runtime.create(noTask, {});
    await killTask(noTask.name);
    const created = spec('created');          // task CREATED, no network
    await runtime.create(created, {});
    const netted = spec('netted');            // task CREATED + network (killed before start)
    await runtime.create(netted, {});
    await runtime.setupNetwork(netted.name, {});
    const netNoTask = spec('netnotask');      // network set up, task missing
    await runtime.create(netNoTask, {});
    await runtime.setupNetwork(netNoTask.name, {});
    await killTask(netNoTask.name);
    const orphan = spec('orphan');            // running task, container record gone: task, snapshot, CNI cache and IP without a container
    await runtime.create(orphan, {});
    await runtime.setupNetwork(orphan.name, {});
    await runtime.start(orphan.name, {});
    await call('containers', 'Delete', { id: orphan.name });
    // Killed between snapshot prepare and container create: a snapshot held only by the create lease.
    const leaseOnly = `${id.containerPrefix}-${id.env}-lease-0000ffff`;
    await call('leases', 'Create', { id: createLeaseId(leaseOnly), labels: {} });
    const { chainId } = await ctx.images.resolve(image);
    await ctx.client.call('snapshots', 'Prepare', { snapshotter: ctx.snapshotter, key: leaseOnly, parent: chainId, labels: {} }, { lease: createLeaseId(leaseOnly) });
    const ghost = `${id.containerPrefix}-${id.env}-ghost-0000fffe`; // IP lease file with no CNI cache entry
    const ghostIp = `${iso.subnet.cidr.split('.').slice(0, 3).join('.')}.250`;
    await writeFile(join(ipamDir(ctx), ghostIp), `${ghost}\neth0`);
    // A shim left by a task create that outlived its client, with no task record: stood in for by
    // a process of ours with a shim's command line.
    const shimId = `${id.containerPrefix}-${id.env}-shim-0000fffd`;
    fakeShim = spawn('bash', ['-c', 'exec -a /usr/bin/containerd-shim-runc-v2 "$0" -e "setInterval(() => {}, 1000)" -- "$@"',
      process.execPath, '-namespace', iso.namespace, '-id', shimId, '-address', ctx.client.socket], { stdio: 'ignore' });
    const shimGone = new Promise((r) => fakeShim!.once('exit', r));
    const good = spec('good');                // a complete worker: adopted, not touched
    await runtime.create(good, {});
    const goodIp = (await runtime.setupNetwork(good.name, {})).ipAddress;
    await runtime.start(good.name, {});
    await runtime.close();
    runtime = undefined;

    agent = await startAgentProcess(env);
    const removed = agent.logs().filter((l) => String(l.msg ?? '').startsWith('start-up cleanup removed')).map((l) => `${String(l['kind'])} ${String(l['id'])}`);
    console.info(agent.logs().filter((l) => String(l.msg ?? '').startsWith('start-up cleanup')).map((l) => l.msg).join('\n'));
    expect(agent.logs().filter((l) => String(l.msg ?? '').startsWith('start-up cleanup could not'))).toEqual([]);
    for (const s of [noTask, created, netted, netNoTask]) expect(removed).toContain(`container ${s.name}`);
    expect(removed).toContain(`task ${orphan.name}`);
    expect(removed).toContain(`snapshot ${leaseOnly}`);
    // The adapter itself releases cached attachments of vanished containers when it is built
    // (before recovery runs); either of the two may report it.
    const byAdapter = agent.logs().some((l) => l.msg === 'released CNI attachments of containers that no longer exist'
      && Array.isArray(l['removed']) && (l['removed'] as string[]).includes(orphan.name));
    expect(byAdapter || removed.includes(`cni-attachment ${orphan.name}`)).toBe(true);
    expect(removed).toContain(`lease ${createLeaseId(leaseOnly)}`);
    expect(removed).toContain(`ipam-lease ${ghostIp} ${ghost}`);
    expect(removed).toContain(`shim ${shimId} (pid ${fakeShim!.pid})`);
    await shimGone;
    expect(removed.some((r) => r.includes(good.name))).toBe(false);
    const listed = await agent.client.ok<{ containers: Array<{ container_id: string; status: string }> }>('ListContainers', { owner_id: 'owner-a' });
    expect(listed.containers.map((c) => [c.container_id, c.status])).toEqual([[good.name, 'RUNNING']]);
    const invoked = await agent.client.ok<{ status_code: number }>('InvokeWorker', { container_id: good.name, owner_id: 'owner-a', payload: Buffer.from('{}'), timeout_ms: 15_000 });
    expect(invoked.status_code).toBe(200);
    expect(goodIp).toBeTruthy();
    await agent.client.ok('DestroyContainer', { container_id: good.name, owner_id: 'owner-a' });
    expect((await agent.term()).code).toBe(0);
    agent = undefined;
    await iso.assertNothingLeft();
  });
});
