/**
 * Forced removal of everything one test may have created, by the names the isolation helper
 * gave it. Best effort: each step runs even when an earlier one failed; failures are returned.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ctr, docker, lines, run } from './exec.js';
import { CNI_RESULTS_DIR } from './cni-exec.js';
import { CNI_NETWORKS_DIR, type LeftoverScope } from './leftovers.js';
import { TEST_LABEL } from './naming.js';
import { checkRuntimes } from './runtime-env.js';

async function step(errors: string[], what: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function each(ns: string, list: string[], args: (id: string) => string[]): Promise<void> {
  for (const id of list) await ctr(ns, args(id), { allowFail: true });
}

/** Kill and delete tasks, containers, images, leases, snapshots and content, then the namespace. */
export async function removeNamespace(ns: string): Promise<void> {
  if (!(await checkRuntimes(['containerd'])).ok) return;
  if (!lines(await ctr('default', ['namespaces', 'ls', '-q'])).includes(ns)) return;
  const tasks = lines(await ctr(ns, ['tasks', 'ls', '-q']));
  await each(ns, tasks, (id) => ['tasks', 'kill', '-s', 'SIGKILL', id]);
  await each(ns, tasks, (id) => ['tasks', 'rm', '-f', id]);
  await each(ns, lines(await ctr(ns, ['containers', 'ls', '-q'])), (id) => ['containers', 'rm', id]);
  await each(ns, lines(await ctr(ns, ['images', 'ls', '-q'])), (id) => ['images', 'rm', id]);
  await each(ns, lines(await ctr(ns, ['leases', 'ls', '-q'])), (id) => ['leases', 'rm', id]);
  for (let round = 0; round < 8; round++) {
    const keys = lines(await ctr(ns, ['snapshots', 'ls'])).slice(1).map((l) => l.split(/\s+/)[0]!);
    if (keys.length === 0) break;
    await each(ns, keys, (k) => ['snapshots', 'rm', k]);
  }
  await each(ns, lines(await ctr(ns, ['content', 'ls', '-q'])), (d) => ['content', 'rm', d]);
  await ctr('default', ['namespaces', 'rm', ns]);
  // The containerd adapter's per-namespace host folder (resolv.conf files).
  if (/^esbt?-/.test(ns)) fs.rmSync(path.join('/run/containerd', ns), { recursive: true, force: true });
}

/** rmdir the empty v1 cgroup folders runc leaves under every hierarchy for a namespace. */
export function removeCgroups(ns: string): void {
  for (const h of fs.existsSync('/sys/fs/cgroup') ? fs.readdirSync('/sys/fs/cgroup') : []) {
    const root = path.join('/sys/fs/cgroup', h, ns);
    if (!fs.existsSync(root)) continue;
    const rm = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rm(path.join(dir, e.name));
      fs.rmdirSync(dir);
    };
    rm(root);
  }
}

/** Delete iptables rules containing any needle; then flush and drop the per-container CNI
 * chains (not the shared CNI-HOSTPORT-*) those rules lived in or jumped to, once unreferenced. */
export async function removeIptablesRules(needles: string[]): Promise<void> {
  for (const table of ['filter', 'nat']) {
    const rules = lines((await run('iptables', ['-t', table, '-S'])).stdout)
      .filter((l) => l.startsWith('-A ') && needles.some((n) => l.includes(n)));
    const touched = new Set<string>();
    for (const r of rules) {
      const parts = r.split(' ');
      touched.add(parts[1]!);
      const j = parts.indexOf('-j');
      if (j > 0 && parts[j + 1]) touched.add(parts[j + 1]!);
    }
    for (const rule of rules) {
      await run('bash', ['-c', `eval iptables -t ${table} "$1"`, 'bash', rule.replace(/^-A /, '-D ')], { allowFail: true });
    }
    const now = lines((await run('iptables', ['-t', table, '-S'])).stdout);
    for (const chain of [...touched].filter((c) => c.startsWith('CNI-') && !c.startsWith('CNI-HOSTPORT-'))) {
      if (now.some((l) => l.startsWith('-A ') && !l.startsWith(`-A ${chain} `) && l.split(' ').includes(chain))) continue;
      await run('iptables', ['-t', table, '-F', chain], { allowFail: true });
      await run('iptables', ['-t', table, '-X', chain], { allowFail: true });
    }
  }
}

/** Remove everything matching the scope; returns the steps that failed (empty = all done). */
export async function forceCleanup(s: LeftoverScope, dockerNetworks: string[]): Promise<string[]> {
  const errors: string[] = [];
  await step(errors, 'docker containers', async () => {
    if (!(await checkRuntimes(['docker'])).ok) return;
    const ids = [...new Set([
      ...lines(await docker(['ps', '-aq', '--filter', `label=${TEST_LABEL}=${s.brand}`])),
      ...lines(await docker(['ps', '-aq', '--filter', `label=created_by=${s.brand}-agent`])),
    ])];
    if (ids.length) await docker(['rm', '-f', ...ids]);
    const nets = lines(await docker(['network', 'ls', '--format', '{{.Name}}'])).filter((n) => n.startsWith(s.brand) || dockerNetworks.includes(n));
    for (const n of nets) await docker(['network', 'rm', n]);
  });
  await step(errors, 'containerd namespace', () => removeNamespace(s.namespace));
  await step(errors, 'cgroups', () => removeCgroups(s.namespace));
  await step(errors, 'netns', async () => {
    const names = lines((await run('ip', ['netns', 'list'])).stdout).map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(s.brand));
    for (const n of names) await run('ip', ['netns', 'del', n]);
  });
  await step(errors, 'CNI state', () => {
    fs.rmSync(path.join(CNI_NETWORKS_DIR, s.cniNetwork), { recursive: true, force: true });
    for (const f of fs.existsSync(CNI_RESULTS_DIR) ? fs.readdirSync(CNI_RESULTS_DIR) : []) {
      if (f.includes(s.cniNetwork) || f.includes(s.brand)) fs.rmSync(path.join(CNI_RESULTS_DIR, f), { force: true });
    }
  });
  await step(errors, 'iptables', () => removeIptablesRules([s.bridge, s.subnetPrefix, s.brand, ...(s.extraNeedles ?? [])]));
  await step(errors, 'bridge', () => run('ip', ['link', 'del', s.bridge], { allowFail: true }));
  return errors;
}
