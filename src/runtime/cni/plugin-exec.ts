/**
 * Runs one CNI plugin binary per the CNI spec §2: config JSON on stdin, `CNI_*` env, result or
 * error JSON on stdout. Errors become AgentErrors naming the plugin and the command.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError, type ErrorCode } from '../../errors.js';

export interface PluginCall {
  command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';
  containerId?: string | undefined;
  netns?: string | undefined;
  ifName?: string | undefined;
  args?: ReadonlyArray<readonly [string, string]> | undefined;
  binDirs: readonly string[];
  timeoutMs: number;
}

/** Finds `<dir>/<type>` in the first bin dir that has it. Throws FAILED_PRECONDITION when none does. */
export async function findPlugin(type: string, binDirs: readonly string[]): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(type)) throw new AgentError('FAILED_PRECONDITION', `CNI plugin type "${type}" is not a valid name`, { step: 'cni' });
  for (const dir of binDirs) {
    const p = join(dir, type);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // try the next dir
    }
  }
  throw new AgentError('FAILED_PRECONDITION', `CNI plugin "${type}" not found in ${binDirs.join(':')}`, { step: 'cni' });
}

/** Pure. CNI error code (spec §6) → our code. */
export function cniErrorCode(code: number | undefined, msg: string): ErrorCode {
  if (/no (IP addresses|more addresses) available/i.test(msg)) return 'RESOURCE_EXHAUSTED';
  switch (code) {
    case 3:
      return 'NOT_FOUND';
    case 11:
      return 'UNAVAILABLE';
    case 1:
    case 2:
    case 4:
    case 6:
    case 7:
      return 'FAILED_PRECONDITION';
    default:
      return 'INTERNAL';
  }
}

/**
 * Executes `plugin` with `config` on stdin and returns its parsed stdout (undefined when empty).
 * Throws AgentError: the plugin's JSON error (code, msg, details) when it exits non-zero.
 * Retries "text file busy" up to 5 times like libcni.
 */
export async function execPlugin(type: string, config: object, call: PluginCall): Promise<unknown> {
  const path = await findPlugin(type, call.binDirs);
  for (let attempt = 0; ; attempt++) {
    try {
      return await runOnce(path, type, config, call);
    } catch (err) {
      const busy = (err as NodeJS.ErrnoException).code === 'ETXTBSY' || /text file busy/i.test(String((err as Error).message));
      if (!busy || attempt >= 4) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * The search path plugins get (they run iptables, ip, …). Plugins see only this and the CNI_*
 * variables, never the agent's own environment (which may hold credentials).
 */
const PLUGIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function runOnce(path: string, type: string, config: object, call: PluginCall): Promise<unknown> {
  const what = `CNI ${type} ${call.command}${call.containerId ? ` ${call.containerId}` : ''}`;
  const env: NodeJS.ProcessEnv = {
    PATH: PLUGIN_PATH,
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId ?? '',
    CNI_NETNS: call.netns ?? '',
    CNI_IFNAME: call.ifName ?? '',
    CNI_ARGS: (call.args ?? []).map(([k, v]) => `${k}=${v}`).join(';'),
    CNI_PATH: call.binDirs.join(':'),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(path, [], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: call.timeoutMs, killSignal: 'SIGKILL' });
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => errOut.push(b));
    child.on('error', (err) => reject(err));
    child.stdin.on('error', () => undefined); // plugin may exit before reading
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8').trim();
      const stderr = Buffer.concat(errOut).toString('utf8').trim();
      if (code === 0) {
        if (!stdout) return resolve(undefined);
        try {
          return resolve(JSON.parse(stdout));
        } catch {
          return reject(new AgentError('INTERNAL', `${what}: output is not JSON: ${stdout.slice(0, 200)}`, { step: 'cni' }));
        }
      }
      if (signal) return reject(new AgentError('DEADLINE_EXCEEDED', `${what}: killed by ${signal} after ${call.timeoutMs} ms`, { step: 'cni' }));
      reject(pluginError(what, stdout, stderr, code));
    });
    child.stdin.end(JSON.stringify(config));
  });
}

function pluginError(what: string, stdout: string, stderr: string, exitCode: number | null): AgentError {
  let parsed: { code?: number; msg?: string; details?: string } | undefined;
  try {
    parsed = stdout ? (JSON.parse(stdout) as typeof parsed) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed && (parsed.msg || parsed.code !== undefined)) {
    const msg = `${parsed.msg ?? 'error'}${parsed.details ? ` (${parsed.details})` : ''}`;
    return new AgentError(cniErrorCode(parsed.code, msg), `${what} failed: ${msg} [CNI code ${parsed.code ?? '?'}]`, { step: 'cni' });
  }
  const text = stdout || stderr || `exit code ${exitCode}`;
  return new AgentError('INTERNAL', `${what} failed: ${text.slice(0, 500)}`, { step: 'cni' });
}
