/**
 * Brand-derived CNI names of contract §0 as the CNI side uses them: network `B-net`, the bridge
 * and the /23 subnet probes. The derivations live in `src/identity.ts`; this module names them
 * for the CNI code. All pure.
 */
import { bridgeName, SUBNET_POOL, subnetForProbe } from '../../identity.js';

export { SUBNET_POOL };

/** Pure. `<brand>-net`. */
export function cniNetworkName(brand: string): string {
  return `${brand}-net`;
}

/** Pure. `esb-` + first 4 chars of the brand without hyphens + first 6 hex of md5(brand). */
export function deriveBridgeName(brand: string): string {
  return bridgeName(brand);
}

/** Pure. The `probe`-th candidate /23 subnet for the brand (probe 0 is the base). */
export function deriveSubnet(brand: string, probe = 0): string {
  return subnetForProbe(brand, probe);
}
