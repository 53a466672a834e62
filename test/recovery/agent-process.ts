/**
 * The whole agent as a child process (`node --import tsx src/cli.ts serve`) for restart tests:
 * JSON logs on stderr, gRPC and HTTP on loopback port 0 (the ports are read from the
 * "agent ready" line), TLS disabled, a gRPC test client connected once ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAgent, type AgentTestClient } from '../server/helpers/agent-client.js';
import { waitFor, type TestIsolation } from '../helpers/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  msg?: string;
  level?: number | string;
  [key: string]: unknown;
}

export interface AgentProcess {
  child: ChildProcess;
  grpcPort: number;
  client: AgentTestClient;
  /** Parsed JSON log lines so far. */
  logs(): LogLine[];
  /** Resolves with the exit code or signal name. */
  exited: Promise<number | string>;
  kill9(): Promise<void>;
  /** SIGTERM; resolves with the exit code and how long the exit took. */
  term(): Promise<{ code: number | string; ms: number }>;
}

/** Agent env for a test isolation on containerd: no masquerade, no default route, JSON logs. */
export function containerdAgentEnv(iso: TestIsolation, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...iso.agentEnv,
    AGENT_RUNTIME: 'containerd',
    AGENT_GRPC_TLS_DISABLED: '1', AGENT_GRPC_HOST: '127.0.0.1', PORT: '0', AGENT_HTTP_PORT: '0',
    AGENT_LOG_FORMAT: 'json', AGENT_LOG_LEVEL: 'info',
    CNI_IP_MASQ: '0', CNI_DEFAULT_ROUTE: '0',
    AGENT_WORKER_LOG_DIR: join(iso.workDir, 'logs'),
    AGENT_STOP_GRACE_MS: '500',
    ...extra,
  };
}

/** Starts the agent and waits until it serves. Throws with its stderr when it exits first. */
export async function startAgentProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<AgentProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT, env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let raw = '';
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    raw += String(d);
    const parts = (partial + String(d)).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as LogLine);
      } catch {
        lines.push({ msg: p });
      }
    }
  });
  child.stdout!.resume();
  let done = false;
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => { done = true; resolve(code ?? signal ?? -1); }));
  const readyLine = waitFor(() => lines.find((l) => l.msg === 'agent ready'), { timeoutMs, intervalMs: 50, what: 'agent ready' });
  const died = exited.then((code) => {
    throw new Error(`agent exited (${code}) before it was ready`);
  });
  const ready = await Promise.race([readyLine, died]).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${raw.slice(-4000)}`);
  });
  readyLine.catch(() => undefined);
  died.catch(() => undefined);
  const grpcPort = Number(ready['grpcPort']);
  const client = connectAgent(`127.0.0.1:${grpcPort}`);
  return {
    child, grpcPort, client, exited,
    logs: () => lines,
    async kill9() {
      client.close();
      if (!done) child.kill('SIGKILL');
      await exited;
    },
    async term() {
      const t0 = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      client.close();
      return { code, ms: Date.now() - t0 };
    },
  };
}

/**
 * Removes `/run/containerd/<namespace>` (the adapter's default per-worker resolv.conf folder,
 * which no agent variable moves and the isolation cleanup does not know).
 */
export function removeRuntimeDir(iso: TestIsolation): void {
  rmSync(`/run/containerd/${iso.namespace}`, { recursive: true, force: true });
}
