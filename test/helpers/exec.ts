/**
 * Process helpers for integration tests: run a command with a deadline and capture its output.
 * Only absolute binaries the test bed installs are used (`/usr/bin/docker` 20.10, `ctr`, `ip`,
 * `iptables-save`); `ctr` calls are guarded by a socket check in `runtime-env.ts`.
 */
import { execFile } from 'node:child_process';

/** Result of one command; `code` is the exit status (null when killed by the deadline). */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Options for {@link run}. */
export interface RunOptions {
  /** Kill the command after this many ms (default 60 000). */
  timeoutMs?: number;
  /** Written to stdin. */
  input?: string;
  /** Extra environment on top of process.env. */
  env?: Record<string, string>;
  /** When true a non-zero exit resolves instead of rejecting. */
  allowFail?: boolean;
}

export const CTR_ADDRESS = '/run/containerd/containerd.sock';
export const DOCKER_CLI = '/usr/bin/docker';

/** Run `file args…`; rejects with stderr in the message on a non-zero exit unless allowFail. */
export function run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...opts.env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        const result = { stdout: String(stdout), stderr: String(stderr), code };
        if (err && !opts.allowFail) {
          reject(new Error(`${file} ${args.join(' ')} failed (${code ?? err.signal}): ${String(stderr).trim() || err.message}`));
        } else resolve(result);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `ctr --address <sock> -n <ns> args…`; stdout only. */
export async function ctr(ns: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return (await run('ctr', ['--address', CTR_ADDRESS, '-n', ns, ...args], opts)).stdout;
}

/** `/usr/bin/docker args…` against /var/run/docker.sock; stdout only. */
export async function docker(args: string[], opts: RunOptions = {}): Promise<string> {
  return (await run(DOCKER_CLI, ['-H', 'unix:///var/run/docker.sock', ...args], opts)).stdout;
}

/** Split command output into non-empty trimmed lines; pure. */
export function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}
