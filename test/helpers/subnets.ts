/**
 * Per-test /24 subnets in 10.240.0.0/13 (10.240–10.247; dockerd's own pools are 10.232/10.233,
 * the probe used 10.231–10.236). A claim is a file `<state>/subnets/10.24x.y.0` created with
 * O_EXCL holding the owner pid and brand; a claim whose pid is dead is taken over. Subnets that
 * already have a route on the host are skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec.js';
import { STATE_DIR } from './runtime-env.js';

const CLAIM_DIR = path.join(STATE_DIR, 'subnets');
const SLOTS = 8 * 256;

/** A claimed subnet: `10.24x.y.0/24`, its gateway `.1`, and the prefix to match iptables text. */
export interface SubnetClaim {
  cidr: string;
  gateway: string;
  /** e.g. `10.241.7.` */
  prefix: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tryClaim(file: string, owner: string): boolean {
  try {
    fs.writeFileSync(file, `${process.pid} ${owner}\n`, { flag: 'wx' });
    return true;
  } catch {
    const pid = Number(fs.readFileSync(file, 'utf8').split(' ')[0]);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) return false;
    fs.rmSync(file, { force: true });
    return tryClaim(file, owner);
  }
}

/** Claim a free /24 for `owner` (a brand); throws when none is free. */
export async function claimSubnet(owner: string, start = Math.floor(Math.random() * SLOTS)): Promise<SubnetClaim> {
  fs.mkdirSync(CLAIM_DIR, { recursive: true });
  const routes = (await run('ip', ['-4', 'route', 'show'])).stdout;
  for (let i = 0; i < SLOTS; i++) {
    const slot = (start + i) % SLOTS;
    const prefix = `10.${240 + Math.floor(slot / 256)}.${slot % 256}.`;
    if (routes.includes(`${prefix}0/`)) continue;
    const file = path.join(CLAIM_DIR, `${prefix}0`);
    if (!tryClaim(file, owner)) continue;
    return { cidr: `${prefix}0/24`, gateway: `${prefix}1`, prefix, release: () => fs.rmSync(file, { force: true }) };
  }
  throw new Error('no free test subnet in 10.240.0.0/13');
}
