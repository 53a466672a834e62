/**
 * Server credentials: mTLS by default (client certificates must chain to the configured CA,
 * and only to it: the system trust store is not consulted), plaintext with a warning when
 * TLS is disabled. Unreadable or invalid files give one startup error that names them and
 * says how to create a development set.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AgentError } from '../errors.js';

export interface TlsOptions {
  /** `AGENT_GRPC_TLS_DISABLED=1`. */
  disabled: boolean;
  /** `AGENT_GRPC_CERT_PATH`: server certificate chain (PEM). */
  certPath: string;
  /** `AGENT_GRPC_KEY_PATH`: server private key (PEM). */
  keyPath: string;
  /** `AGENT_GRPC_CA_CERT_PATH`: the CA client certificates must chain to (PEM). */
  caPath: string;
}

/** How to get a working set of files; appended to every TLS startup error. */
export const TLS_HOWTO =
  'Create a development set with `esb-agent certs <dir>` and set AGENT_GRPC_CERT_PATH=<dir>/server.crt, ' +
  'AGENT_GRPC_KEY_PATH=<dir>/server.key and AGENT_GRPC_CA_CERT_PATH=<dir>/rootCA.crt ' +
  '(or set AGENT_GRPC_TLS_DISABLED=1 to serve without TLS)';

interface TlsFile {
  variable: string;
  path: string;
}

/**
 * Builds the gRPC server credentials. Reads the three files synchronously.
 * @throws AgentError FAILED_PRECONDITION (step `tls`) naming every file that cannot be read,
 *   or the files whose contents do not form a usable certificate/key/CA set.
 */
export function loadServerCredentials(tls: TlsOptions, log: Pick<Logger, 'warn'>): grpc.ServerCredentials {
  if (tls.disabled) {
    log.warn('gRPC TLS is disabled (AGENT_GRPC_TLS_DISABLED=1): the agent accepts plaintext connections without client authentication');
    return grpc.ServerCredentials.createInsecure();
  }
  const files: TlsFile[] = [
    { variable: 'AGENT_GRPC_CERT_PATH', path: tls.certPath },
    { variable: 'AGENT_GRPC_KEY_PATH', path: tls.keyPath },
    { variable: 'AGENT_GRPC_CA_CERT_PATH', path: tls.caPath },
  ];
  const [cert, key, ca] = readAll(files);
  try {
    createSecureContext({ cert, key, ca });
  } catch (err) {
    const names = files.map((f) => `${f.variable}=${f.path}`).join(', ');
    throw new AgentError(
      'FAILED_PRECONDITION',
      `gRPC TLS files do not form a valid certificate, key and CA set (${names}): ${(err as Error).message}. ${TLS_HOWTO}`,
      { cause: err, step: 'tls' },
    );
  }
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
}

/** Reads every file, collecting all failures into one error. */
function readAll(files: TlsFile[]): [Buffer, Buffer, Buffer] {
  const contents: Buffer[] = [];
  const failures: string[] = [];
  for (const file of files) {
    try {
      if (file.path.trim() === '') throw new Error('path is empty');
      contents.push(readFileSync(file.path));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      failures.push(`${file.variable}=${file.path} (${reason})`);
    }
  }
  if (failures.length > 0) {
    throw new AgentError(
      'FAILED_PRECONDITION',
      `gRPC mTLS is on but cannot read ${failures.join(', ')}. ${TLS_HOWTO}`,
      { step: 'tls' },
    );
  }
  return contents as [Buffer, Buffer, Buffer];
}
