/**
 * The CNI result cache in libcni 1.1's on-disk format (`cniCacheV1`,
 * `<dir>/<network>-<containerId>-<ifName>`, dir 0700, file 0600), so libcni-based tools and
 * our own restarts read the same entries.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './identity-file.js';
import type { NetworkConfigList } from './conflist.js';

/** Default cache dir of libcni. */
export const DEFAULT_CNI_CACHE_DIR = '/var/lib/cni/results';

/** A CNI result (spec 1.0); extra fields are kept as they come. */
export interface CniResult {
  cniVersion?: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: Array<{ address: string; gateway?: string; interface?: number }>;
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface CacheEntry {
  kind: 'cniCacheV1';
  containerId: string;
  /** base64 of the conflist bytes used for ADD. */
  config: string;
  ifName: string;
  networkName: string;
  cniArgs?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  result: CniResult;
}

/** Pure. Cache file name of one attachment. */
export function cacheFileName(networkName: string, containerId: string, ifName: string): string {
  return `${networkName}-${containerId}-${ifName}`;
}

/** Writes an entry atomically (0600, dir 0700). Throws on I/O errors. */
export async function writeCacheEntry(dir: string, entry: CacheEntry): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, cacheFileName(entry.networkName, entry.containerId, entry.ifName));
  await writeFileAtomic(file, JSON.stringify(entry), 0o600, CACHE_TMP_PREFIX);
}

/** Reads an entry; undefined when absent or unreadable as JSON. */
export async function readCacheEntry(dir: string, networkName: string, containerId: string, ifName: string): Promise<CacheEntry | undefined> {
  try {
    const text = await readFile(join(dir, cacheFileName(networkName, containerId, ifName)), 'utf8');
    const entry = JSON.parse(text) as CacheEntry;
    return entry && typeof entry === 'object' && entry.result ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Prefix of the temporary files an atomic cache write renames into place. */
export const CACHE_TMP_PREFIX = '.esb-cni-cache-';

/**
 * Removes temporary cache files last written before `before` (epoch ms): what an agent killed
 * in the middle of a write left. Files of a write still in progress are newer. Returns the names.
 */
export async function removeStaleTempFiles(dir: string, before: number): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names.filter((x) => x.startsWith(CACHE_TMP_PREFIX) && x.endsWith('.tmp'))) {
    const file = join(dir, n);
    const info = await stat(file).catch(() => undefined);
    if (info && info.mtimeMs < before) {
      await rm(file, { force: true });
      removed.push(n);
    }
  }
  return removed;
}

/** Removes an entry; absent is fine. */
export async function deleteCacheEntry(dir: string, networkName: string, containerId: string, ifName: string): Promise<void> {
  await rm(join(dir, cacheFileName(networkName, containerId, ifName)), { force: true });
}

/** Lists the entries of one network (unparsable files are skipped). */
export async function listCacheEntries(dir: string, networkName: string): Promise<CacheEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: CacheEntry[] = [];
  for (const n of names.filter((x) => x.startsWith(`${networkName}-`))) {
    try {
      const e = JSON.parse(await readFile(join(dir, n), 'utf8')) as CacheEntry;
      if (e?.kind === 'cniCacheV1' && e.networkName === networkName) out.push(e);
    } catch {
      // not ours or half-written by someone else
    }
  }
  return out;
}

/** Pure. Decodes the conflist stored in an entry; undefined when unreadable. */
export function cachedConfig(entry: CacheEntry): NetworkConfigList | undefined {
  try {
    return JSON.parse(Buffer.from(entry.config, 'base64').toString('utf8')) as NetworkConfigList;
  } catch {
    return undefined;
  }
}

/**
 * Pure. The container's IPv4 address (without prefix) from a result: the `ips[]` entry whose
 * interface has a sandbox, else the first IPv4 entry.
 */
export function containerIpv4(result: CniResult | undefined): string | undefined {
  const ips = result?.ips ?? [];
  const v4 = ips.filter((ip) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(ip.address));
  const inSandbox = v4.find((ip) => {
    const iface = ip.interface === undefined ? undefined : result?.interfaces?.[ip.interface];
    return Boolean(iface?.sandbox);
  });
  return (inSandbox ?? v4[0])?.address.split('/')[0];
}
