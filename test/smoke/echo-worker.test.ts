import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SERVER = path.resolve(import.meta.dirname, '../../examples/workers/echo/server.js');
const INVOKE = '/2015-03-31/functions/function/invocations';

interface Worker {
  proc: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

const started: Worker[] = [];

/** Start the echo worker on a free loopback port; resolves once it listens. */
async function startWorker(env: Record<string, string> = {}): Promise<Worker> {
  const proc = spawn(process.execPath, [SERVER], { env: { ...process.env, ECHO_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = out.match(/listening on (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', () => reject(new Error(`worker exited early: ${out}`)));
  });
  const w = { proc, base: `http://127.0.0.1:${port}`, exited };
  started.push(w);
  return w;
}

function post(w: Worker, event: unknown, p = INVOKE): Promise<Response> {
  return fetch(`${w.base}${p}`, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(20_000) });
}

async function stats(w: Worker): Promise<Record<string, number>> {
  return (await (await fetch(`${w.base}/__stats`)).json()) as Record<string, number>;
}

afterEach(async () => {
  for (const w of started.splice(0)) {
    if (w.proc.exitCode === null && w.proc.signalCode === null) {
      w.proc.kill('SIGKILL');
      await w.exited;
    }
  }
});

describe('echo worker', () => {
  it('echoes the event, headers and an invocation counter on any functions/<name>/invocations path', async () => {
    const w = await startWorker();
    const first = (await (await post(w, { hello: 'x' })).json()) as Record<string, unknown>;
    expect(first).toMatchObject({ statusCode: 200, echo: { hello: 'x' }, invocation: 1 });
    expect((first.headers as Record<string, string>).host).toContain('127.0.0.1');
    const second = (await (await post(w, 'plain', '/2015-03-31/functions/other/invocations')).json()) as Record<string, unknown>;
    expect(second).toMatchObject({ echo: 'plain', invocation: 2 });
    expect((await fetch(`${w.base}/nope`)).status).toBe(404);
  });

  it('rejects a concurrent invocation with 400 AlreadyReserved and counts both', async () => {
    const w = await startWorker();
    const slow = post(w, { sleepMs: 1500 });
    await expect.poll(async () => (await stats(w)).inFlight, { timeout: 10_000 }).toBe(1);
    const busy = await post(w, {});
    expect(busy.status).toBe(400);
    expect(await busy.json()).toMatchObject({ errorType: 'AlreadyReserved' });
    expect((await slow).status).toBe(200);
    expect(await stats(w)).toMatchObject({ received: 2, accepted: 1, rejected: 1, completed: 1 });
  });

  it('answers a function error as 200 with X-Amz-Function-Error', async () => {
    const w = await startWorker();
    const res = await post(w, { fail: 'boom' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.json()).toMatchObject({ errorType: 'Error', errorMessage: 'boom' });
  });

  it('answers exactly responseBytes bytes', async () => {
    const w = await startWorker();
    const body = await (await post(w, { responseBytes: 100_000 })).text();
    expect(body.length).toBe(100_000);
  });

  it('destroys the socket after the body on resetAfterBody, and still counts the request', async () => {
    const w = await startWorker();
    await expect(post(w, { resetAfterBody: true })).rejects.toThrow();
    expect(await stats(w)).toMatchObject({ received: 1, completed: 0, inFlight: 0 });
  });

  it('exits when asked to crash', async () => {
    const w = await startWorker();
    await expect(post(w, { crash: true, exitCode: 3 })).rejects.toThrow();
    expect(await w.exited).toBe(3);
  });

  it('exits 0 on SIGTERM, and ignores it with ECHO_IGNORE_SIGTERM=1', async () => {
    const graceful = await startWorker();
    graceful.proc.kill('SIGTERM');
    expect(await graceful.exited).toBe(0);

    const stubborn = await startWorker({ ECHO_IGNORE_SIGTERM: '1' });
    stubborn.proc.kill('SIGTERM');
    await expect.poll(async () => (await (await post(stubborn, { after: 'term' })).json()) as Record<string, unknown>, { timeout: 10_000 })
      .toMatchObject({ echo: { after: 'term' } });
    expect(stubborn.proc.exitCode).toBeNull();
  });
});
