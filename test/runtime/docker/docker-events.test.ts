import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { RuntimeEvent } from '../../../src/runtime/container-runtime.js';
import { StubDocker, stubRuntime } from './stub-docker.js';

const labels = { esb_function: 'fn', created_by: 'esb-agent', esb_env: 'dev', 'com.esb.kind': 'function', 'com.esb.owner': 'gw' };
let nano = 1_700_000_000_000_000_000;
const ev = (Action: string, name: string, exitCode = '0') =>
  `${JSON.stringify({ Type: 'container', Action, Actor: { ID: 'x', Attributes: { name, exitCode } }, time: Math.floor(nano / 1e9), timeNano: (nano += 1e6) })}\n`;

describe('DockerEvents', () => {
  it('delivers die/oom to listeners and reconnects with resync after the stream ends', async () => {
    const streams: PassThrough[] = [];
    let rows: unknown[] = [];
    const stub = new StubDocker()
      .on('getEvents', () => {
        const s = new PassThrough();
        streams.push(s);
        return s;
      })
      .on('listContainers', () => rows);
    const rt = stubRuntime(stub, { eventsBackoff: { initialMs: 5, maxMs: 20 } });
    const got: RuntimeEvent[] = [];
    const un = rt.subscribe((e) => got.push(e));
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    streams[0]!.write(ev('die', 'w1', '137'));
    streams[0]!.write(ev('oom', 'w2'));
    await vi.waitFor(() => expect(got).toHaveLength(2));
    expect(got[0]).toMatchObject({ type: 'exit', name: 'w1', exitCode: 137 });
    expect(got[1]).toMatchObject({ type: 'oom', name: 'w2' });

    // the daemon goes away; w2 died meanwhile and w1 (already reported) is still listed
    rows = [
      { Id: 'a', Names: ['/w1'], State: 'exited', Status: 'Exited (137) 1 second ago', Labels: labels },
      { Id: 'b', Names: ['/w2'], State: 'exited', Status: 'Exited (9) 1 second ago', Labels: labels },
    ];
    streams[0]!.destroy();
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    await vi.waitFor(() => expect(got).toHaveLength(3));
    expect(got[2]).toMatchObject({ type: 'exit', name: 'w2', exitCode: 9 });
    const second = stub.calls.filter((c) => c.method === 'getEvents')[1]!;
    expect(second.opts['since']).toBe(String(Math.floor((nano - 1e6) / 1e9)));
    expect(JSON.parse(second.opts['filters'] as string).label).toContain('esb_env=dev');

    un();
    await rt.close();
    expect(streams[1]!.destroyed).toBe(true);
  });

  it('keeps retrying with backoff while the daemon refuses connections', async () => {
    let attempts = 0;
    const stub = new StubDocker()
      .on('getEvents', () => (++attempts < 3 ? Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })) : new PassThrough()))
      .on('listContainers', () => []);
    const rt = stubRuntime(stub, { eventsBackoff: { initialMs: 5, maxMs: 10 } });
    const un = rt.subscribe(() => undefined);
    await vi.waitFor(() => expect(attempts).toBe(3));
    un();
    await rt.close();
  });

  it('drops the stream and reconnects when dockerd stops answering pings', async () => {
    const streams: PassThrough[] = [];
    let healthy = false;
    const stub = new StubDocker()
      .on('getEvents', () => {
        const s = new PassThrough();
        streams.push(s);
        return s;
      })
      .on('listContainers', () => [])
      .on('ping', (_t, o) => (healthy ? 'OK' : new Promise((_, reject) => (o['abortSignal'] as AbortSignal).addEventListener('abort', () => reject(new Error('aborted'))))));
    const rt = stubRuntime(stub, { eventsBackoff: { initialMs: 5, maxMs: 10 }, eventsLivenessMs: 20, callTimeoutMs: 50 });
    const un = rt.subscribe(() => undefined);
    await vi.waitFor(() => expect(streams.length).toBeGreaterThanOrEqual(2));
    expect(streams[0]!.destroyed).toBe(true);
    healthy = true;
    un();
    await rt.close();
  });

  it('drops events replayed by since after a reconnect', async () => {
    const streams: PassThrough[] = [];
    const stub = new StubDocker().on('getEvents', () => {
      const s = new PassThrough();
      streams.push(s);
      return s;
    }).on('listContainers', () => []);
    const rt = stubRuntime(stub, { eventsBackoff: { initialMs: 5, maxMs: 10 } });
    const got: RuntimeEvent[] = [];
    const un = rt.subscribe((e) => got.push(e));
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    const line = ev('die', 'w3');
    streams[0]!.write(line);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    streams[0]!.end();
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    streams[1]!.write(line);
    streams[1]!.write(ev('die', 'w4'));
    await vi.waitFor(() => expect(got).toHaveLength(2));
    expect(got.map((e) => e.name)).toEqual(['w3', 'w4']);
    un();
    await rt.close();
  });
});
