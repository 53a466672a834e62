/**
 * Subnet claims of other CNI networks in the conf dir (`CollectSubnetClaims`) and the collision
 * probe that picks our brand's subnet (`resolveDerivedCNISubnet`, contract §3).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveSubnet, SUBNET_POOL } from './brand-network.js';
import { formatCidr, parseCidr } from './ipv4.js';

/**
 * Reads every `*.conflist` / `*.conf` file of `confDir` (case-insensitive, files only) and maps the
 * first valid IPv4 subnet of each network not named `ownNetwork` to that network's name.
 * Invalid JSON is skipped; a missing directory gives no claims. Throws on other read errors.
 */
export async function collectSubnetClaims(confDir: string, ownNetwork: string): Promise<Map<string, string>> {
  const claims = new Map<string, string>();
  let entries;
  try {
    entries = await readdir(confDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return claims;
    throw err;
  }
  for (const e of entries) {
    if (!e.isFile() || !/\.(conflist|conf)$/i.test(e.name)) continue;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(await readFile(join(confDir, e.name), 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    const name = typeof data['name'] === 'string' ? data['name'] : '';
    if (!name || name === ownNetwork) continue;
    const subnet = firstSubnet(data);
    if (subnet && !claims.has(subnet)) claims.set(subnet, name);
  }
  return claims;
}

function firstSubnet(data: Record<string, unknown>): string | undefined {
  const candidates: unknown[] = [(data['ipam'] as Record<string, unknown> | undefined)?.['subnet']];
  const plugins = data['plugins'];
  if (Array.isArray(plugins) && plugins[0] && typeof plugins[0] === 'object') {
    candidates.push(((plugins[0] as Record<string, unknown>)['ipam'] as Record<string, unknown> | undefined)?.['subnet']);
  }
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    const parsed = parseCidr(c);
    if (parsed) return formatCidr(parsed);
  }
  return undefined;
}

export interface SubnetChoice {
  subnet: string;
  probe: number;
  /** True when every probe was claimed and probe 0 was used anyway. */
  exhausted: boolean;
}

/** Pure. First probe of the brand whose subnet is not in `claims`. */
export function pickSubnet(brand: string, claims: ReadonlyMap<string, string>): SubnetChoice {
  if (claims.size === 0) return { subnet: deriveSubnet(brand, 0), probe: 0, exhausted: false };
  for (let k = 0; k < SUBNET_POOL; k++) {
    const s = deriveSubnet(brand, k);
    if (!claims.has(s)) return { subnet: s, probe: k, exhausted: false };
  }
  return { subnet: deriveSubnet(brand, 0), probe: 0, exhausted: true };
}
