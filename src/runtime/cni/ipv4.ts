/** IPv4 and CIDR helpers for the CNI network. All pure. */

export interface Ipv4Cidr {
  /** Network address as a 32-bit unsigned integer. */
  network: number;
  prefix: number;
}

/** Pure. Parses dotted IPv4; undefined when invalid. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n >>> 0;
}

/** Pure. Formats a 32-bit unsigned integer as dotted IPv4. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Pure. Parses `a.b.c.d/p` and normalises it to its network address; undefined when invalid. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const ip = parseIpv4(m[1] ?? '');
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (ip & mask) >>> 0, prefix };
}

/** Pure. `a.b.c.d/p` of a parsed CIDR. */
export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

/** Pure. Broadcast address of the CIDR. */
export function broadcastOf(c: Ipv4Cidr): number {
  const hostBits = 32 - c.prefix;
  return (c.network + (hostBits === 32 ? 0xffffffff : 2 ** hostBits - 1)) >>> 0;
}

/** Pure. The first host (network + 1), used as gateway and DNS fallback; undefined for /31 and /32. */
export function firstHost(text: string): string | undefined {
  const c = parseCidr(text);
  if (!c || c.prefix >= 31) return undefined;
  return formatIpv4(c.network + 1);
}
