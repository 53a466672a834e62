/**
 * A tiny CNI conflist executor for tests (CNI spec 1.0): chains the plugins with prevResult,
 * passes runtimeConfig for declared capabilities, caches the ADD result under
 * /var/lib/cni/results/<network>-<containerId>-<ifname> (like libcni) and replays it on DEL in
 * reverse order. The real executor belongs to the containerd adapter; this one only serves the
 * smoke tests and helpers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec.js';
import { CNI_BIN_DIR } from './runtime-env.js';

export const CNI_RESULTS_DIR = '/var/lib/cni/results';

/** A conflist as JSON. */
export interface Conflist {
  cniVersion: string;
  name: string;
  plugins: Array<Record<string, unknown> & { type: string; capabilities?: Record<string, boolean> }>;
}

/** Where and what to attach. */
export interface CniAttachment {
  containerId: string;
  /** Path of the network namespace, e.g. /var/run/netns/<name> or /proc/<pid>/ns/net. */
  netns: string;
  ifname?: string;
  portMappings?: Array<{ hostPort: number; containerPort: number; protocol: 'tcp' | 'udp' }>;
}

async function invoke(plugin: Conflist['plugins'][number], list: Conflist, command: string, a: CniAttachment, prevResult?: unknown): Promise<unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  if (prevResult) conf.prevResult = prevResult;
  const runtime: Record<string, unknown> = { portMappings: a.portMappings };
  const rc = Object.fromEntries(Object.entries(plugin.capabilities ?? {}).filter(([k, on]) => on && runtime[k] !== undefined).map(([k]) => [k, runtime[k]]));
  if (Object.keys(rc).length > 0) conf.runtimeConfig = rc;
  const r = await run(path.join(CNI_BIN_DIR, plugin.type), [], {
    input: JSON.stringify(conf),
    allowFail: true,
    env: { CNI_COMMAND: command, CNI_CONTAINERID: a.containerId, CNI_NETNS: a.netns, CNI_IFNAME: a.ifname ?? 'eth0', CNI_PATH: CNI_BIN_DIR },
  });
  if (r.code !== 0) throw new Error(`CNI ${plugin.type} ${command} failed (${r.code}): ${r.stdout} ${r.stderr}`.trim());
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

function cacheFile(list: Conflist, a: CniAttachment): string {
  return path.join(CNI_RESULTS_DIR, `${list.name}-${a.containerId}-${a.ifname ?? 'eth0'}`);
}

/** Bring up `lo` inside the namespace (loopback plugin). */
export async function cniLoopback(a: CniAttachment, command: 'ADD' | 'DEL' = 'ADD'): Promise<void> {
  const list: Conflist = { cniVersion: '1.0.0', name: 'lo', plugins: [{ type: 'loopback' }] };
  await invoke(list.plugins[0]!, list, command, { ...a, ifname: 'lo' });
}

/** ADD the conflist; returns the final result and its first IPv4 address. */
export async function cniAdd(list: Conflist, a: CniAttachment): Promise<{ result: unknown; ip: string }> {
  let result: unknown;
  for (const p of list.plugins) result = await invoke(p, list, 'ADD', a, result);
  fs.mkdirSync(CNI_RESULTS_DIR, { recursive: true });
  fs.writeFileSync(cacheFile(list, a), JSON.stringify(result));
  const ips = (result as { ips?: Array<{ address: string }> }).ips ?? [];
  const ip = ips.map((x) => x.address.split('/')[0]!).find((x) => x.includes('.'));
  if (!ip) throw new Error(`CNI ADD for ${a.containerId} returned no IPv4 address`);
  return { result, ip };
}

/** DEL the conflist in reverse order with the cached result; succeeds when the netns is gone. */
export async function cniDel(list: Conflist, a: CniAttachment): Promise<void> {
  const file = cacheFile(list, a);
  let prev: unknown;
  try {
    prev = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    prev = undefined;
  }
  for (const p of [...list.plugins].reverse()) await invoke(p, list, 'DEL', a, prev);
  fs.rmSync(file, { force: true });
}
