/**
 * Finds what a test left behind, by the names the isolation helper gave it. Every check reads
 * host state only; nothing is changed. Returns human-readable findings (empty = clean).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ctr, docker, lines, run } from './exec.js';
import { CNI_RESULTS_DIR } from './cni-exec.js';
import { TEST_LABEL } from './naming.js';
import { checkRuntimes } from './runtime-env.js';

/** What belongs to one test. */
export interface LeftoverScope {
  namespace: string;
  /** Prefix of netns names, docker names etc. (the brand). */
  brand: string;
  cniNetwork: string;
  bridge: string;
  /** Subnet prefix such as `10.241.7.` (trailing dot). */
  subnetPrefix: string;
  /** Extra folders whose files mentioning the brand or network count as leftovers. */
  cniCacheDirs?: string[];
  /** More strings whose presence in an iptables rule marks it as the test's (docker bridges br-<12hex>, docker subnets). */
  extraNeedles?: string[];
}

export const CNI_NETWORKS_DIR = '/var/lib/cni/networks';

async function containerdFindings(s: LeftoverScope): Promise<string[]> {
  if (!(await checkRuntimes(['containerd'])).ok) return [];
  if (!lines(await ctr('default', ['namespaces', 'ls', '-q'])).includes(s.namespace)) return [];
  const out: string[] = [];
  const containers = lines(await ctr(s.namespace, ['containers', 'ls', '-q']));
  if (containers.length) out.push(`containerd containers: ${containers.join(' ')}`);
  const tasks = lines(await ctr(s.namespace, ['tasks', 'ls'])).slice(1);
  if (tasks.length) out.push(`containerd tasks: ${tasks.join('; ')}`);
  const active = lines(await ctr(s.namespace, ['snapshots', 'ls'])).slice(1).filter((l) => /\sActive$/.test(l));
  if (active.length) out.push(`containerd active snapshots: ${active.map((l) => l.split(/\s+/)[0]).join(' ')}`);
  const leases = lines(await ctr(s.namespace, ['leases', 'ls', '-q']));
  if (leases.length) out.push(`containerd leases: ${leases.join(' ')}`);
  return out;
}

function processFindings(s: LeftoverScope): string[] {
  const root = `/sys/fs/cgroup/pids/${s.namespace}`;
  if (!fs.existsSync(root)) return [];
  const pids: string[] = [];
  const walk = (dir: string): void => {
    const procs = path.join(dir, 'cgroup.procs');
    if (fs.existsSync(procs)) pids.push(...lines(fs.readFileSync(procs, 'utf8')));
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  walk(root);
  return pids.length ? [`processes in cgroup ${root}: ${pids.join(' ')}`] : [];
}

function fileFindings(s: LeftoverScope): string[] {
  const out: string[] = [];
  const ipam = path.join(CNI_NETWORKS_DIR, s.cniNetwork);
  if (fs.existsSync(ipam)) {
    const leases = fs.readdirSync(ipam).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip'));
    if (leases.length) out.push(`IPAM leases in ${ipam}: ${leases.join(' ')}`);
  }
  if (fs.existsSync(CNI_RESULTS_DIR)) {
    const cached = fs.readdirSync(CNI_RESULTS_DIR).filter((f) => f.includes(s.cniNetwork) || f.includes(s.brand));
    if (cached.length) out.push(`CNI result caches in ${CNI_RESULTS_DIR}: ${cached.join(' ')}`);
  }
  for (const dir of s.cniCacheDirs ?? []) {
    if (!fs.existsSync(dir)) continue;
    const hits = fs.readdirSync(dir, { recursive: true }).map(String)
      .filter((f) => f.includes(s.brand) || f.includes(s.cniNetwork));
    if (hits.length) out.push(`cache files in ${dir}: ${hits.join(' ')}`);
  }
  return out;
}

async function netFindings(s: LeftoverScope): Promise<string[]> {
  const out: string[] = [];
  const netns = lines((await run('ip', ['netns', 'list'])).stdout).map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(s.brand));
  if (netns.length) out.push(`network namespaces: ${netns.join(' ')}`);
  const needles = [s.bridge, s.subnetPrefix, s.brand, ...(s.extraNeedles ?? [])];
  const rules = lines((await run('iptables-save', [])).stdout).filter((l) => l.startsWith('-A ') && needles.some((n) => l.includes(n)));
  if (rules.length) out.push(`iptables rules:\n    ${rules.join('\n    ')}`);
  return out;
}

async function dockerFindings(s: LeftoverScope): Promise<string[]> {
  if (!(await checkRuntimes(['docker'])).ok) return [];
  const fmt = ['--format', '{{.ID}} {{.Names}} {{.Status}}'];
  const ids = [...new Set([
    ...lines(await docker(['ps', '-a', '--filter', `label=${TEST_LABEL}=${s.brand}`, ...fmt])),
    ...lines(await docker(['ps', '-a', '--filter', `label=created_by=${s.brand}-agent`, ...fmt])),
  ])];
  const nets = lines(await docker(['network', 'ls', '--format', '{{.Name}}'])).filter((n) => n.startsWith(s.brand));
  return [
    ...(ids.length ? [`docker containers: ${ids.join('; ')}`] : []),
    ...(nets.length ? [`docker networks: ${nets.join(' ')}`] : []),
  ];
}

/** Everything of the scope still present on the host; [] when clean. */
export async function findLeftovers(s: LeftoverScope, opts: { dockerNetworksToo?: boolean } = {}): Promise<string[]> {
  const docker = await dockerFindings(s);
  return [
    ...(await containerdFindings(s)),
    ...processFindings(s),
    ...fileFindings(s),
    ...(await netFindings(s)),
    ...(opts.dockerNetworksToo ? docker : docker.filter((d) => !d.startsWith('docker networks'))),
  ];
}
