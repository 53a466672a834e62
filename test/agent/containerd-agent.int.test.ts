/**
 * The whole agent (composition root, supervisor, gRPC server, invoke proxy) on real containerd,
 * runc and our CNI executor, driven by a client built from the proto alone.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ctr, docker, requireRuntimes } from '../helpers/index.js';
import { agentEnv, containerdTaskPid, startTestAgent } from './agent-support.js';
import { ensureFailsWith, fullLifecycle, sharedAgentTests, useAgentBed } from './agent-scenarios.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/agent/containerd-agent.int.test.ts');

/** A CNI plugin that fails ADD and passes every other command. */
const FAILING_PLUGIN = `#!/bin/sh
cat >/dev/null
if [ "$CNI_COMMAND" = "ADD" ]; then
  echo '{"cniVersion":"1.0.0","code":101,"msg":"injected failure","details":"fake plugin"}'
  exit 1
fi
exit 0
`;

describe.skipIf(!rt.ok)('agent on containerd', () => {
  const currentBed = useAgentBed('agent-cd', async (iso) => ({
    env: agentEnv(iso, 'containerd'), image: await iso.importImage(),
    killWorker: async (info) => { process.kill(await containerdTaskPid(iso.namespace, info.id), 'SIGKILL'); },
  }));

  it('goes from Ensure through invoke, pause, resume and metrics to Destroy with nothing left', async () => {
    const bed = currentBed();
    const { iso } = bed;
    await fullLifecycle(bed, {
      ensured: (info) => {
        expect(info.id).toBe(info.name);
        expect(info.ip_address.startsWith(iso.subnet.prefix)).toBe(true);
      },
    });
  });

  it('refuses to start with one line naming a CNI plugin missing from CNI_BIN_DIR', async () => {
    const bed = currentBed();
    const { iso } = bed;
    const empty = join(iso.workDir, 'emptybin');
    await mkdir(empty);
    const err = (await startTestAgent(iso, { ...bed.env, CNI_BIN_DIR: empty }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^AGENT_RUNTIME=containerd: CNI plugin "\w[\w-]*" not found in /);
    expect(err.message).toContain(empty);
    expect(err.message).not.toContain('\n');
  });

  it('picks containerd when AGENT_RUNTIME is unset and its socket answers', async () => {
    const bed = currentBed();
    const { iso } = bed;
    const { AGENT_RUNTIME: _unset, ...env } = bed.env;
    const under = await startTestAgent(iso, env);
    bed.track(under);
    expect(under.agent.runtime.info.kind).toBe('containerd');
    expect(under.agent.config.runtime.kind).toBe('auto');
  });

  it('goes from a failing CNI plugin to an error naming it, the IP released and nothing left', async () => {
    const bed = currentBed();
    const { iso } = bed;
    const bin = join(iso.workDir, 'fakebin');
    await mkdir(bin);
    for (const p of ['bridge', 'host-local', 'loopback', 'portmap']) await symlink(join('/opt/cni/bin', p), join(bin, p));
    await writeFile(join(bin, 'esbfail'), FAILING_PLUGIN);
    await chmod(join(bin, 'esbfail'), 0o755);
    const list = iso.conflist();
    list.plugins = [list.plugins[0]!, { type: 'esbfail' }];
    const confFile = join(iso.workDir, 'failing.conflist');
    await writeFile(confFile, JSON.stringify(list));
    const err = await ensureFailsWith(bed, bed.image, grpc.status.INTERNAL, { CNI_BIN_DIR: bin, CNI_CONF_FILE: confFile });
    expect(err.details).toContain('injected failure');
  });

  it('goes from an image whose entrypoint does not exist to FAILED_PRECONDITION and nothing left', async () => {
    const bed = currentBed();
    const { iso } = bed;
    const image = `127.0.0.1:5000/esb/bad-entry:${iso.brand}`;
    const tar = join(iso.workDir, 'bad-entry.tar');
    const tmp = (await docker(['create', '--label', `esb.test.id=${iso.brand}`, '--entrypoint', '/nonexistent/entry', bed.image])).trim();
    try {
      await docker(['commit', tmp, image]);
      await docker(['save', '-o', tar, image]);
    } finally {
      await docker(['rm', '-f', tmp]);
      await docker(['rmi', '-f', image]).catch(() => undefined);
    }
    await ctr(iso.namespace, ['images', 'import', tar], { timeoutMs: 120_000 });
    await ensureFailsWith(bed, image, grpc.status.FAILED_PRECONDITION);
  });

  sharedAgentTests(currentBed, { tag: 'agent-cd', kill: 'kill -9' });
});
