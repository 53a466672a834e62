import { describe, expect, it } from 'vitest';
import { imageCommand, imageDefaultsFromEnv, parseImageArgs, runImageCommand } from '../../src/cli/image-command.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } } };
}

describe('image command', () => {
  it('goes from argv to the sub-command, the archive and its flags', () => {
    expect(parseImageArgs(['import', 'x.tar', '--namespace', 'ns', '--name=a/b:1'])).toEqual({ sub: 'import', tar: 'x.tar', flags: { namespace: 'ns', name: 'a/b:1' } });
  });
  it('rejects unknown options and flags without a value', () => {
    expect(() => parseImageArgs(['import', 'x.tar', '--force'])).toThrow(/unknown option --force/);
    expect(() => parseImageArgs(['import', 'x.tar', '--namespace'])).toThrow(/needs a value/);
  });
  it('exits 2 with usage for an unknown sub-command or a missing archive', async () => {
    const a = io();
    expect(await runImageCommand(['push'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/unknown sub-command "push"[\s\S]*usage:/);
    const b = io();
    expect(await runImageCommand(['import'], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/missing archive path/);
  });
  it('exits 2 when no namespace is given or defaulted', async () => {
    const a = io();
    expect(await runImageCommand(['import', '/nonexistent.tar'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/no containerd namespace/);
  });
  it('exits 1 naming the archive when it cannot be opened', async () => {
    const a = io();
    expect(await runImageCommand(['import', '/nonexistent.tar'], { ...a.io, defaults: { namespace: 'esbt-never-used', socket: '/nonexistent.sock' } })).toBe(1);
    expect(a.err.join('')).toMatch(/cannot open image archive \/nonexistent.tar: ENOENT/);
  });
  it('takes the namespace, socket and snapshotter defaults from a complete agent config, none otherwise', () => {
    expect(imageDefaultsFromEnv({ ENV: 'test', CONTAINERS_NETWORK: 'acme-test-external', CONTAINERD_SOCKET: '/tmp/c.sock' }))
      .toEqual({ namespace: 'acme', socket: '/tmp/c.sock', snapshotter: 'overlayfs' });
    expect(imageDefaultsFromEnv({})).toBeUndefined();
    expect(imageDefaultsFromEnv({ ENV: 'test', CONTAINERS_NETWORK: 'acme-test', PORT: 'nope' })).toBeUndefined();
  });
  it('goes from the CLI without config or --namespace to exit 2 with lines on stderr', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const cli = { env: {}, out: (l: string) => out.push(l), err: (l: string) => err.push(l), waitForSignal: () => new Promise<string>(() => undefined) };
    expect(await imageCommand(['import', '/nonexistent.tar'], cli)).toBe(2);
    expect(err).toEqual(['esb-agent image import: no containerd namespace (--namespace, or the agent brand)']);
    expect(out).toEqual([]);
  });
});
