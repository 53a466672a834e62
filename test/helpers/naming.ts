/**
 * Naming rules of the test bed (see docs/test-bed.md). `scripts/runtime-down.sh` removes what
 * matches them, so every test resource must follow them:
 *   - brand = containerd namespace = `esbt-<slug>-<6hex>` (the agent uses namespace = brand);
 *   - CNI network `<brand>-net`, bridge derived like the agent: `esb-<4 chars><6 hex>`;
 *   - netns names and docker network names start with the brand (so `esbt-`);
 *   - docker containers carry label `esb.test.id=<brand>` (and the agent's `created_by=<brand>-agent`).
 */
import { createHash, randomBytes } from 'node:crypto';

export const TEST_PREFIX = 'esbt-';
export const TEST_LABEL = 'esb.test.id';

/** Lowercase slug of a test name, at most `max` chars; pure. */
export function slug(name: string, max = 12): string {
  const s = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return (s.slice(0, max).replace(/-+$/g, '') || 't');
}

/** `n` random hex characters. */
export function randomHex(n: number): string {
  return randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
}

/** A fresh unique test brand `esbt-<slug>-<6hex>`. */
export function testBrand(name: string): string {
  return `${TEST_PREFIX}${slug(name)}-${randomHex(6)}`;
}

/** The agent's bridge name for a brand: `esb-` + first 4 chars without hyphens + md5[0:6]; pure. */
export function deriveBridge(brand: string): string {
  const md5 = createHash('md5').update(brand).digest('hex');
  return `esb-${brand.replace(/-/g, '').slice(0, 4)}${md5.slice(0, 6)}`;
}
