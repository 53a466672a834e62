/** The `esb-agent` command line, run as a real process. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esb-agent-cli-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('esb-agent', () => {
  it('lists the subcommands for --help and help, exiting 0', async () => {
    for (const arg of ['--help', 'help']) {
      const run = runCli([arg]);
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toMatch(/serve[\s\S]*certs <dir>[\s\S]*replay <journal>/);
    }
  });

  it('prints the usage and exits 2 for an unknown subcommand', async () => {
    const run = runCli(['frobnicate']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/unknown command "frobnicate"[\s\S]*Usage: esb-agent/);
  });

  it('writes a certificate set with `certs <dir>`, keys 0600, and prints the three variables', async () => {
    const target = join(dir, 'certs');
    const run = runCli(['certs', target]);
    expect(await run.exited).toBe(0);
    for (const v of ['AGENT_GRPC_CERT_PATH', 'AGENT_GRPC_KEY_PATH', 'AGENT_GRPC_CA_CERT_PATH']) expect(run.stdout()).toContain(`export ${v}=`);
    for (const key of ['rootCA.key', 'server.key', 'client.key']) expect((await stat(join(target, key))).mode & 0o777).toBe(0o600);
    const again = runCli(['certs', target]);
    expect(await again.exited).toBe(1);
    expect(again.stderr()).toMatch(/already exists/);
  });

  it('refuses `certs` without a directory', async () => {
    const run = runCli(['certs']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/usage: esb-agent certs <dir>/);
  });

  it('replays a recorded journal fixture: "replay ok" exits 0, the mutated one exits 1 with the divergence', async () => {
    const ok = runCli(['replay', 'test/fixtures/journals/happy-path.v2.jsonl']);
    expect(await ok.exited).toBe(0);
    expect(ok.stdout()).toMatch(/^replay ok/);
    const bad = runCli(['replay', 'test/fixtures/journals/mutated-happy-path.v2.jsonl']);
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toMatch(/replay FAILED[\s\S]*expected/);
    const missing = runCli(['replay', join(dir, 'none.jsonl')]);
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toMatch(/cannot read .*none\.jsonl: ENOENT/);
  });

  it('fails `serve` with one clear line when the TLS files are missing', async () => {
    const run = runCli(['serve'], {
      ENV: 'test', CONTAINERS_NETWORK: 'esb-test-external', AGENT_RUNTIME: 'simulated', PORT: '0', AGENT_HTTP_PORT: '0',
      AGENT_GRPC_HOST: '127.0.0.1', AGENT_GRPC_CERT_PATH: join(dir, 'nope', 'server.crt'), AGENT_LOG_LEVEL: 'silent',
    });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(`AGENT_GRPC_CERT_PATH=${join(dir, 'nope', 'server.crt')} (ENOENT)`);
    expect(run.stderr()).toContain('esb-agent certs <dir>');
  });

  it('fails `serve` naming the variable when the configuration is invalid', async () => {
    const run = runCli(['serve'], { CONTAINERS_NETWORK: 'x', AGENT_RUNTIME: 'simulated' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/cannot start: .*ENV/);
  });

  it('serves until SIGTERM, then stops cleanly with exit code 0', async () => {
    const run = runCli(['serve'], {
      ENV: 'test', CONTAINERS_NETWORK: 'esb-test-external', AGENT_RUNTIME: 'simulated', PORT: '0', AGENT_HTTP_PORT: '0',
      AGENT_GRPC_HOST: '127.0.0.1', AGENT_GRPC_TLS_DISABLED: '1', AGENT_LOG_FORMAT: 'json',
    });
    await expect.poll(() => run.stderr(), { timeout: 20_000 }).toMatch(/"msg":"agent ready"/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toMatch(/"msg":"agent stopped"/);
  });
});
