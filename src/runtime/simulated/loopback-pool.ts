/**
 * Hands out distinct loopback addresses `127.x.y.z` (never `127.0.0.1`, never `.0`/`.255`
 * in the last octet) for simulated workers. Linux routes all of 127/8 to `lo`, so each
 * worker can listen on its own `ip:8080`.
 */

const PER_Y = 254;
const PER_X = PER_Y * 256;
const SPACE = PER_X * 256;

/** The address of slot `n` (pure): z = 1..254, then y, then x. */
export function loopbackAddress(n: number): string {
  const i = ((n % SPACE) + SPACE) % SPACE;
  return `127.${Math.floor(i / PER_X)}.${Math.floor(i / PER_Y) % 256}.${(i % PER_Y) + 1}`;
}

export class LoopbackPool {
  #next: number;
  readonly #inUse = new Set<string>();

  /** `start` is the first slot tried (slot 1 is `127.0.0.2`). */
  constructor(start = 1) {
    this.#next = start;
  }

  /** Reserves and returns the next free address. Throws when all 16M are taken. */
  take(): string {
    for (let tries = 0; tries < SPACE; tries++) {
      const ip = loopbackAddress(this.#next++);
      if (ip !== '127.0.0.1' && !this.#inUse.has(ip)) {
        this.#inUse.add(ip);
        return ip;
      }
    }
    throw new RangeError('loopback address space exhausted');
  }

  release(ip: string): void {
    this.#inUse.delete(ip);
  }

  get size(): number {
    return this.#inUse.size;
  }
}
