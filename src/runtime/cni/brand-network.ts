/**
 * Brand-derived CNI names of contract §0: network `B-net`, bridge `esb-<4 chars><6 hex md5>`,
 * and the /23 subnet slot with its collision probes. All pure.
 */
import { createHash } from 'node:crypto';

/** Number of /23 slots in 10.0.0.0/8 minus 10.88/16. */
export const SUBNET_POOL = 32640;

/** Pure. `<brand>-net`. */
export function cniNetworkName(brand: string): string {
  return `${brand}-net`;
}

/** Pure. `esb-` + first 4 chars of the brand without hyphens + first 6 hex of md5(brand). */
export function deriveBridgeName(brand: string): string {
  const md5 = createHash('md5').update(brand).digest('hex');
  return `esb-${brand.replace(/-/g, '').slice(0, 4)}${md5.slice(0, 6)}`;
}

/** Pure. The `probe`-th candidate /23 subnet for the brand (probe 0 is the base). */
export function deriveSubnet(brand: string, probe = 0): string {
  const md5 = createHash('md5').update(brand).digest();
  const base = md5.readUInt32BE(0) % SUBNET_POOL;
  const slot = (base + (probe % SUBNET_POOL)) % SUBNET_POOL;
  let second = Math.floor(slot / 128);
  if (second >= 88) second += 1;
  const third = (slot % 128) * 2;
  return `10.${second}.${third}.0/23`;
}
