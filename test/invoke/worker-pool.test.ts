import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/invoke/worker-pool.js';
import { type LocalWorker, startLocalWorker, until } from './helpers/local-worker.js';

let srv: LocalWorker | undefined;
afterEach(async () => {
  await srv?.close();
});

async function post(pool: WorkerPool, origin: string): Promise<string> {
  const res = await pool.client('w', origin).request({ path: '/', method: 'POST', body: 'x' });
  return res.body.text();
}

describe('WorkerPool', () => {
  it('reuses one client per worker and replaces it when the origin changes', async () => {
    srv = await startLocalWorker((_r, res) => res.end('ok'));
    const pool = new WorkerPool();
    const origin = `http://127.0.0.1:${srv.port}`;
    expect(pool.client('w', origin)).toBe(pool.client('w', origin));
    await post(pool, origin);
    await post(pool, origin);
    expect(srv.connections).toBe(1);
    const other = pool.client('w', `http://127.0.0.2:${srv.port}`);
    expect(other).not.toBe(pool.client('w', `http://127.0.0.1:${srv.port}`));
    await pool.closeAll();
    expect(pool.size).toBe(0);
  });

  it('closes a worker’s idle connection on close() and forgets it', async () => {
    srv = await startLocalWorker((_r, res) => res.end('ok'));
    const pool = new WorkerPool();
    await post(pool, `http://127.0.0.1:${srv.port}`);
    await pool.close('w');
    expect(pool.has('w')).toBe(false);
    await until(() => srv!.closedConnections === 1);
    await pool.close('unknown');
  });

  it('aborts an invocation in flight on destroy()', async () => {
    srv = await startLocalWorker(() => undefined);
    const pool = new WorkerPool();
    const p = post(pool, `http://127.0.0.1:${srv.port}`);
    await until(() => srv!.received === 1);
    await pool.destroy('w');
    await expect(p).rejects.toThrow();
    await until(() => srv!.aborted === 1);
  });
});
