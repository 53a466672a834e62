/**
 * The CNI identity file (`/var/lib/cni/esb-cni.env`, contract §3) read by shell scripts:
 * `KEY='value'` lines, POSIX single-quoted, written atomically.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { firstHost } from './ipv4.js';

export const DEFAULT_IDENTITY_FILE = '/var/lib/cni/esb-cni.env';

export interface CniIdentity {
  network: string;
  bridge: string;
  subnet: string;
  /** Gateway; derived from the subnet when absent. */
  gwIp?: string | undefined;
}

/** Pure. POSIX single-quoting: `'` becomes `'"'"'`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** Pure. The file text: CNI_NETWORK, CNI_BRIDGE, CNI_SUBNET and CNI_GW_IP when computable. */
export function renderIdentityFile(id: CniIdentity): string {
  const lines = [
    `CNI_NETWORK=${shellQuote(id.network)}`,
    `CNI_BRIDGE=${shellQuote(id.bridge)}`,
    `CNI_SUBNET=${shellQuote(id.subnet)}`,
  ];
  const gw = id.gwIp?.trim() || firstHost(id.subnet);
  if (gw) lines.push(`CNI_GW_IP=${shellQuote(gw)}`);
  return `${lines.join('\n')}\n`;
}

/** Writes `text` to `path` atomically (temp file in the same dir, chmod, rename). Throws on I/O errors. */
export async function writeFileAtomic(path: string, text: string, mode = 0o644, tmpPrefix = '.esb-tmp-'): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = join(dirname(path), `${tmpPrefix}${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { mode });
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes the identity file atomically (mode 0644). Throws on I/O errors. */
export async function writeIdentityFile(path: string, id: CniIdentity): Promise<void> {
  await writeFileAtomic(path, renderIdentityFile(id), 0o644, '.esb-cni-identity-');
}
