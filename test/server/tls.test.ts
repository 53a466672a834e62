/**
 * mTLS with certificates written by `esb-agent certs`: a client with the gateway certificate
 * gets through; no client certificate, or one from another CA, does not. Missing files give
 * one startup error naming them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certsCommand } from '../../src/cli/certs.js';
import type { CliIo } from '../../src/cli/io.js';
import { devCertPaths, type DevCertPaths } from '../../src/certs/dev-certs.js';
import { AgentError } from '../../src/errors.js';
import { createGrpcServer } from '../../src/server/server.js';
import { connectAgent } from './helpers/agent-client.js';
import { FakeSupervisor } from './helpers/fake-supervisor.js';
import { captureLog } from './helpers/log-capture.js';
import { ScriptedInvoker, startTestServer, TLS_OFF, type TestServer } from './helpers/test-server.js';

const quietIo: CliIo = { env: {}, out: () => {}, err: () => {}, waitForSignal: () => new Promise(() => {}) };

let root: string;
let good: DevCertPaths;
let other: DevCertPaths;
let srv: TestServer;

async function credentials(ca: DevCertPaths, client?: DevCertPaths): Promise<grpc.ChannelCredentials> {
  const rootCa = await readFile(ca.caCert);
  if (!client) return grpc.credentials.createSsl(rootCa);
  return grpc.credentials.createSsl(rootCa, await readFile(client.clientKey), await readFile(client.clientCert));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'esb-agent-tls-'));
  expect(await certsCommand([join(root, 'good')], quietIo)).toBe(0);
  expect(await certsCommand([join(root, 'other')], quietIo)).toBe(0);
  good = devCertPaths(join(root, 'good'));
  other = devCertPaths(join(root, 'other'));
  srv = await startTestServer({
    supervisor: new FakeSupervisor(),
    tls: { disabled: false, certPath: good.serverCert, keyPath: good.serverKey, caPath: good.caCert },
    clientCredentials: await credentials(good, good),
    // The test dials 127.0.0.1; the certificate also names localhost and agent.
    clientOptions: { 'grpc.ssl_target_name_override': 'agent', 'grpc.default_authority': 'agent' },
  });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await rm(root, { recursive: true, force: true });
});

describe('mTLS', () => {
  it('accepts a client with the gateway certificate from the same CA', async () => {
    expect(await srv.client.ok('ListContainers', { owner_id: 'o' })).toEqual({ containers: [] });
  });
  it('accepts the server by its 127.0.0.1 SAN', async () => {
    const client = connectAgent(srv.address, await credentials(good, good));
    expect((await client.call('ListContainers', { owner_id: 'o' })).error).toBeUndefined();
    client.close();
  });
  it('refuses a client without a certificate', async () => {
    const client = connectAgent(srv.address, await credentials(good));
    const { error } = await client.call('ListContainers', { owner_id: 'o' }, { deadline: Date.now() + 10_000 });
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    client.close();
  });
  it('refuses a client whose certificate comes from another CA', async () => {
    const client = connectAgent(srv.address, await credentials(good, other));
    const { error } = await client.call('ListContainers', { owner_id: 'o' }, { deadline: Date.now() + 10_000 });
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    client.close();
  });
  it('refuses a plaintext client', async () => {
    const client = connectAgent(srv.address);
    const { error } = await client.call('ListContainers', { owner_id: 'o' }, { deadline: Date.now() + 10_000 });
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    client.close();
  });
});

describe('TLS off', () => {
  it('serves plaintext and warns', async () => {
    const captured = captureLog();
    const plain = await startTestServer({ supervisor: new FakeSupervisor(), tls: TLS_OFF, log: captured.log });
    expect(await plain.client.ok('ListContainers', { owner_id: 'o' })).toEqual({ containers: [] });
    expect(captured.lines.some((l) => l.level === 40 && /TLS is disabled/.test(l.msg))).toBe(true);
    await plain.close();
  });
});

describe('TLS startup errors', () => {
  const build = (tls: { certPath: string; keyPath: string; caPath: string }) => () =>
    createGrpcServer({
      supervisor: new FakeSupervisor(), invoker: new ScriptedInvoker(), log: pino({ level: 'silent' }),
      tls: { disabled: false, ...tls }, reflection: false, maxReceiveMessageBytes: 1 << 22, maxSendMessageBytes: 1 << 22,
    });

  it('names the missing file, its variable and how to create a set', () => {
    const missing = join(root, 'nowhere', 'server.crt');
    const attempt = build({ certPath: missing, keyPath: good.serverKey, caPath: good.caCert });
    expect(attempt).toThrow(AgentError);
    expect(attempt).toThrow(`AGENT_GRPC_CERT_PATH=${missing} (ENOENT)`);
    expect(attempt).toThrow(/esb-agent certs <dir>/);
    expect(attempt).toThrow(/AGENT_GRPC_KEY_PATH=<dir>\/server.key/);
  });
  it('names every unreadable file in one error', () => {
    const attempt = build({ certPath: join(root, 'a.crt'), keyPath: join(root, 'b.key'), caPath: good.caCert });
    expect(attempt).toThrow(/AGENT_GRPC_CERT_PATH=.*a\.crt \(ENOENT\), AGENT_GRPC_KEY_PATH=.*b\.key \(ENOENT\)\./);
  });
  it('refuses a key that does not belong to the certificate', () => {
    const attempt = build({ certPath: good.serverCert, keyPath: other.serverKey, caPath: good.caCert });
    expect(attempt).toThrow(/do not form a valid certificate, key and CA set/);
  });
});
