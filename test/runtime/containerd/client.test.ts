import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerdClient } from '../../../src/runtime/containerd/client.js';
import { loadContainerdProtos } from '../../../src/runtime/containerd/proto.js';

/** A fake containerd on a unix socket, built from the vendored protos; records metadata and deadlines. */
describe('ContainerdClient against a fake containerd', () => {
  let dir: string;
  let server: grpc.Server;
  let socket: string;
  const seen: Array<{ ns: string[]; lease: string[]; deadline: boolean }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esb-fake-cd-'));
    socket = join(dir, 'containerd.sock');
    const { services } = loadContainerdProtos();
    server = new grpc.Server();
    server.addService(services.containers.service, {
      Get: (call: grpc.ServerUnaryCall<{ id: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        seen.push({
          ns: call.metadata.get('containerd-namespace').map(String),
          lease: call.metadata.get('containerd-lease').map(String),
          deadline: call.getDeadline() !== Infinity,
        });
        if (call.request.id === 'missing') return cb({ code: grpc.status.NOT_FOUND, details: `container "missing" in namespace "t": not found` });
        if (call.request.id === 'slow') return setTimeout(() => cb(null, { container: { id: 'slow' } }), 2000);
        cb(null, { container: { id: call.request.id, labels: { a: 'b' } } });
      },
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
  });

  afterAll(async () => {
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the namespace on every call, the lease when given, and a deadline', async () => {
    const c = new ContainerdClient({ socket, namespace: 'tns', callTimeoutMs: 1000 });
    const res = await c.call<{ container: { id: string; labels: Record<string, string> } }>('containers', 'Get', { id: 'w1' }, { lease: 'L1' });
    expect(res.container).toMatchObject({ id: 'w1', labels: { a: 'b' } });
    await c.call('containers', 'Get', { id: 'w2' });
    expect(seen.slice(-2)).toEqual([
      { ns: ['tns'], lease: ['L1'], deadline: true },
      { ns: ['tns'], lease: [], deadline: true },
    ]);
    c.close();
  });

  it('goes from NOT_FOUND, an expired deadline and an abort to AgentErrors with context', async () => {
    const c = new ContainerdClient({ socket, namespace: 'tns', callTimeoutMs: 200 });
    await expect(c.call('containers', 'Get', { id: 'missing' }, { what: 'missing' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'containerd Containers.Get missing: container "missing" in namespace "t": not found',
    });
    await expect(c.call('containers', 'Get', { id: 'slow' })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    const ac = new AbortController();
    const p = c.call('containers', 'Get', { id: 'slow' }, { signal: ac.signal, timeoutMs: 5000 });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    c.close();
  });
});
