/**
 * `esb-agent certs <dir>`: a development mTLS set made with the openssl binary: a CA
 * (rootCA.crt/key), a server certificate for the agent (SANs localhost, 127.0.0.1, ::1, agent
 * and this host's name) and a client certificate for the gateway (CN gateway). ECDSA P-256,
 * SHA-256. Keys are written with mode 0600. Existing files are never overwritten.
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { hostname as osHostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentError } from '../errors.js';
import { runOpenssl } from './openssl.js';

export interface DevCertPaths {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export interface DevCertOptions {
  /** Extra DNS name for the server certificate. @default os.hostname() */
  hostname?: string | undefined;
  /** @default 'openssl' */
  openssl?: string | undefined;
  /** Validity of the leaf certificates in days (the CA gets ten times as long). @default 825 */
  days?: number | undefined;
}

/** Names of the files inside `dir`. Pure. */
export function devCertPaths(dir: string): DevCertPaths {
  const abs = resolve(dir);
  const at = (name: string) => join(abs, name);
  return {
    dir: abs,
    caCert: at('rootCA.crt'), caKey: at('rootCA.key'),
    serverCert: at('server.crt'), serverKey: at('server.key'),
    clientCert: at('client.crt'), clientKey: at('client.key'),
  };
}

/** The environment the agent needs to use a set. Pure. */
export function devCertEnv(paths: DevCertPaths): Record<string, string> {
  return {
    AGENT_GRPC_CERT_PATH: paths.serverCert,
    AGENT_GRPC_KEY_PATH: paths.serverKey,
    AGENT_GRPC_CA_CERT_PATH: paths.caCert,
  };
}

/** Server SANs for openssl's subjectAltName, without duplicates. Pure. */
export function serverSubjectAltNames(host: string | undefined): string {
  const dns = ['localhost', 'agent'];
  if (host && /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host) && !dns.includes(host)) dns.push(host);
  return [...dns.map((d) => `DNS:${d}`), 'IP:127.0.0.1', 'IP:::1'].join(',');
}

/**
 * Creates the set in `dir` (created if missing).
 * @throws AgentError ALREADY_EXISTS when one of the files exists; FAILED_PRECONDITION when
 *   openssl is missing; INTERNAL when openssl fails.
 */
export async function generateDevCerts(dir: string, opts: DevCertOptions = {}): Promise<DevCertPaths> {
  const paths = devCertPaths(dir);
  await mkdir(paths.dir, { recursive: true });
  await refuseExisting(paths);
  const ossl = (args: string[]) => runOpenssl(args, { binary: opts.openssl });
  const days = opts.days ?? 825;
  const work = await mkdtemp(join(tmpdir(), 'esb-agent-certs-'));
  try {
    await makeKey(ossl, paths.caKey);
    await ossl(['req', '-x509', '-new', '-key', paths.caKey, '-sha256', '-days', String(days * 10),
      '-subj', '/CN=esb-agent development CA', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', paths.caCert]);
    const leaf = { ossl, paths, days, work };
    await makeLeaf(leaf, 'server', paths.serverKey, paths.serverCert, '/CN=agent',
      `subjectAltName=${serverSubjectAltNames(opts.hostname ?? osHostname())}\nextendedKeyUsage=serverAuth\n`);
    await makeLeaf(leaf, 'client', paths.clientKey, paths.clientCert, '/CN=gateway',
      'subjectAltName=DNS:gateway\nextendedKeyUsage=clientAuth\n');
    return paths;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

type Ossl = (args: string[]) => Promise<string>;

async function refuseExisting(paths: DevCertPaths): Promise<void> {
  for (const file of [paths.caCert, paths.caKey, paths.serverCert, paths.serverKey, paths.clientCert, paths.clientKey]) {
    const exists = await access(file).then(() => true, () => false);
    if (exists) {
      throw new AgentError('ALREADY_EXISTS', `${file} already exists; choose an empty directory or remove the old set first`, { step: 'certs' });
    }
  }
}

/** An ECDSA P-256 key in a file created with mode 0600 before openssl writes into it. */
async function makeKey(ossl: Ossl, file: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  await handle.close();
  await ossl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  await chmod(file, 0o600);
}

async function makeLeaf(
  ctx: { ossl: Ossl; paths: DevCertPaths; days: number; work: string },
  name: string, keyFile: string, certFile: string, subject: string, extensions: string,
): Promise<void> {
  const csr = join(ctx.work, `${name}.csr`);
  const ext = join(ctx.work, `${name}.ext`);
  await makeKey(ctx.ossl, keyFile);
  await ctx.ossl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', csr]);
  await writeFile(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n${extensions}`);
  await ctx.ossl(['x509', '-req', '-in', csr, '-CA', ctx.paths.caCert, '-CAkey', ctx.paths.caKey,
    '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(ctx.days), '-sha256',
    '-extfile', ext, '-out', certFile]);
}
