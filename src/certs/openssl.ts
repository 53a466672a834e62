/** Runs the `openssl` binary (no shell) and turns its failures into clear AgentErrors. */
import { execFile } from 'node:child_process';
import { AgentError } from '../errors.js';

/**
 * Runs `openssl <args>`. Resolves with stdout.
 * @throws AgentError FAILED_PRECONDITION when the binary is missing, INTERNAL with openssl's
 *   own stderr when it exits non-zero.
 */
export function runOpenssl(args: readonly string[], opts: { binary?: string; cwd?: string } = {}): Promise<string> {
  const binary = opts.binary ?? 'openssl';
  return new Promise((resolve, reject) => {
    execFile(binary, args, { cwd: opts.cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new AgentError('FAILED_PRECONDITION',
          `cannot create certificates: the "${binary}" binary was not found on PATH (install it, e.g. apt-get install openssl)`,
          { cause: err, step: 'certs' }));
      }
      const detail = stderr.trim().split('\n').slice(-3).join(' | ') || err.message;
      reject(new AgentError('INTERNAL', `openssl ${args[0] ?? ''} failed: ${detail}`, { cause: err, step: 'certs' }));
    });
  });
}
