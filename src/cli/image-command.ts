/**
 * `esb-agent image import <archive.tar> [--namespace NS] [--name REF] [--snapshotter S] [--socket PATH]`:
 * loads an OCI-layout or docker-archive tar into containerd without a registry (no `ctr`).
 * {@link runImageCommand} takes its defaults from the caller; {@link imageCommand}, the CLI's
 * entry, builds them from the agent config in `io.env` (namespace = the agent's namespace,
 * CONTAINERD_SOCKET, CONTAINERD_SNAPSHOTTER) when that config is complete, else `--namespace`
 * is required.
 */
import { loadConfig } from '../config.js';
import { AgentError } from '../errors.js';
import { importImageArchive } from '../runtime/images/import-archive.js';
import type { CliIo } from './io.js';

export interface ImageCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Defaults for options not given on the command line. */
  defaults?: { namespace?: string | undefined; socket?: string | undefined; snapshotter?: string | undefined } | undefined;
  signal?: AbortSignal | undefined;
}

const USAGE = `usage: esb-agent image import <archive.tar> [--namespace NS] [--name REF] [--snapshotter S] [--socket PATH]
  Loads an OCI image layout or docker-archive tar into containerd (unpacked, ready to run).
`;

interface ParsedArgs { sub: string; tar?: string | undefined; flags: Record<string, string> }

/** Pure. Splits `import x.tar --namespace n` into the sub-command, the path and `--flag value` pairs. Throws INVALID_ARGUMENT. */
export function parseImageArgs(args: string[]): ParsedArgs {
  const [sub = '', ...rest] = args;
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '-h' || a === '--help') { flags['help'] = 'true'; continue; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const value = eq === -1 ? rest[++i] : a.slice(eq + 1);
      if (!['namespace', 'name', 'snapshotter', 'socket'].includes(key)) throw new AgentError('INVALID_ARGUMENT', `unknown option --${key}`);
      if (value === undefined || value === '') throw new AgentError('INVALID_ARGUMENT', `option --${key} needs a value`);
      flags[key] = value;
    } else positional.push(a);
  }
  if (positional.length > 1) throw new AgentError('INVALID_ARGUMENT', `one archive at a time (got ${positional.length})`);
  return { sub, tar: positional[0], flags };
}

/** Runs `image <sub-command>`; returns the process exit code (0 ok, 2 usage, 1 failure). Never throws. */
export async function runImageCommand(args: string[], io: ImageCommandIo): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseImageArgs(args);
  } catch (err) {
    io.stderr.write(`esb-agent image: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.flags['help'] || parsed.sub === 'help' || parsed.sub === '') {
    (parsed.sub === '' ? io.stderr : io.stdout).write(USAGE);
    return parsed.sub === '' ? 2 : 0;
  }
  if (parsed.sub !== 'import' || !parsed.tar) {
    io.stderr.write(`esb-agent image: ${parsed.sub !== 'import' ? `unknown sub-command "${parsed.sub}"` : 'missing archive path'}\n${USAGE}`);
    return 2;
  }
  const namespace = parsed.flags['namespace'] ?? io.defaults?.namespace;
  if (!namespace) {
    io.stderr.write('esb-agent image import: no containerd namespace (--namespace, or the agent brand)\n');
    return 2;
  }
  const t0 = performance.now();
  try {
    const images = await importImageArchive(parsed.tar, {
      namespace, name: parsed.flags['name'], signal: io.signal,
      socket: parsed.flags['socket'] ?? io.defaults?.socket, snapshotter: parsed.flags['snapshotter'] ?? io.defaults?.snapshotter,
    });
    const secs = ((performance.now() - t0) / 1000).toFixed(2);
    for (const img of images) io.stdout.write(`imported ${img.names.join(', ')} ${img.digest} (unpacked, ${secs}s)\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`esb-agent image import: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Pure. Defaults from the agent config in `env`; none when the config is incomplete or invalid. */
export function imageDefaultsFromEnv(env: CliIo['env']): ImageCommandIo['defaults'] {
  try {
    const config = loadConfig(env);
    return { namespace: config.identity.namespace, socket: config.containerd.socket, snapshotter: config.containerd.snapshotter };
  } catch {
    return undefined;
  }
}

/** The `image` subcommand of the CLI: {@link runImageCommand} with defaults from the agent config. */
export function imageCommand(args: readonly string[], io: CliIo): Promise<number> {
  const line = (write: (l: string) => void) => ({ write: (text: string) => write(text.replace(/\n$/, '')) });
  return runImageCommand([...args], { stdout: line(io.out), stderr: line(io.err), defaults: imageDefaultsFromEnv(io.env) });
}
