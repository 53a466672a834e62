import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpAccepts, waitForTcp } from '../../src/runtime/tcp-ready.js';

let server: Server | undefined;
afterEach(() => { server?.close(); server = undefined; });

function listen(): Promise<number> {
  server = createServer((s) => s.destroy());
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port)));
}

async function closedPort(): Promise<number> {
  const port = await listen();
  await new Promise((r) => server!.close(r));
  server = undefined;
  return port;
}

describe('waitForTcp', () => {
  it('goes from a listening port to resolved', async () => {
    const port = await listen();
    await expect(waitForTcp({ name: 'w', ipAddress: '127.0.0.1', port }, 5_000, new AbortController().signal)).resolves.toBeUndefined();
    expect(await tcpAccepts('127.0.0.1', port)).toBe(true);
  });

  it('goes from a closed port to UNAVAILABLE after the timeout, naming the worker and address', async () => {
    const port = await closedPort();
    await expect(waitForTcp({ name: 'w1', ipAddress: '127.0.0.1', port }, 100, new AbortController().signal))
      .rejects.toMatchObject({ code: 'UNAVAILABLE', step: 'waitReady', message: expect.stringContaining(`w1 did not accept connections on 127.0.0.1:${port}`) });
  });

  it('leaves no abort listener on the signal after its attempts', async () => {
    const port = await closedPort();
    const ac = new AbortController();
    for (let i = 0; i < 12; i++) expect(await tcpAccepts('127.0.0.1', port, ac.signal)).toBe(false);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('goes from an aborted signal to a rejection with its reason', async () => {
    const port = await closedPort();
    const ac = new AbortController();
    const waiting = waitForTcp({ name: 'w', ipAddress: '127.0.0.1', port }, 60_000, ac.signal);
    ac.abort(new Error('destroyed'));
    await expect(waiting).rejects.toThrow('destroyed');
  });
});
