/**
 * Per-test isolation for integration tests: unique brand/namespace/subnet/labels, the worker
 * image in the test's namespace, a leak check and a forced cleanup. See index.ts for the API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Conflist } from './cni-exec.js';
import { cleanupDockerNetworks, createDockerNetwork, type DockerTestNetwork } from './docker-net.js';
import { ctr, docker, lines, run } from './exec.js';
import { forceCleanup } from './cleanup.js';
import { findLeftovers, type LeftoverScope } from './leftovers.js';
import { deriveBridge, randomHex, TEST_LABEL, testBrand } from './naming.js';
import { CNI_BIN_DIR, REGISTRY, WORKER_IMAGE_REF, WORKER_IMAGE_TAR } from './runtime-env.js';
import { claimSubnet, type SubnetClaim } from './subnets.js';

/** One test's private world. Create with {@link createIsolation}; always call cleanup(). */
export interface TestIsolation {
  /** `esbt-<slug>-<6hex>`; also the containerd namespace (the agent uses namespace = brand). */
  readonly brand: string;
  readonly namespace: string;
  /** The agent's ENV for this test (`test`). */
  readonly env: string;
  /** CNI network name `<brand>-net` and the agent-derived bridge `esb-…`. */
  readonly cniNetwork: string;
  readonly bridge: string;
  /** This test's own /24 in 10.240.0.0/13 (gateway .1). */
  readonly subnet: SubnetClaim;
  /** Private folder for conflists and other files (removed by cleanup). */
  readonly workDir: string;
  readonly cniConfDir: string;
  /** Labels for docker containers the test creates itself (the agent adds its own). */
  readonly labels: Record<string, string>;
  /** Environment for an agent config in this test (brand, ENV, CNI_*, registry). */
  readonly agentEnv: Record<string, string>;
  /** A unique container id `<brand>-<fn>-<8hex>` (the agent's naming scheme). */
  containerId(fn?: string): string;
  /** A unique netns name starting with the brand. */
  netnsName(): string;
  /** The test conflist: bridge + host-local (no routes) + portmap; NO ipMasq, NO default route. */
  conflist(): Conflist;
  /** Write conflist() to `<cniConfDir>/10-<net>.conflist`; returns the path. */
  writeConflist(): string;
  /** `ctr images import` the echo worker into this namespace; returns its ref. */
  importImage(): Promise<string>;
  /** Make sure dockerd has the echo worker image; returns its ref. */
  loadDockerImage(): Promise<string>;
  /** A docker bridge network on a fresh test subnet, masquerade off; remove() it before
   * assertNothingLeft() to have its iptables rules checked too (cleanup removes it anyway). */
  createDockerNetwork(): Promise<DockerTestNetwork>;
  /** Human-readable leftovers of this test ([] when clean). */
  findLeftovers(): Promise<string[]>;
  /** Throws listing every leftover (containers, tasks, active snapshots, leases, processes,
   * netns, IPAM leases, CNI caches, iptables rules, docker containers). */
  assertNothingLeft(): Promise<void>;
  /** Force-remove everything of this test, the namespace included; idempotent. */
  cleanup(): Promise<void>;
}

/** Options for {@link createIsolation}. */
export interface IsolationOptions {
  /** Extra folders the code under test caches CNI results in (checked by assertNothingLeft). */
  cniCacheDirs?: string[];
}

function conflistFor(brand: string, net: string, bridge: string, subnet: SubnetClaim): Conflist {
  return {
    cniVersion: '1.0.0',
    name: net,
    plugins: [
      { type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: subnet.cidr, gateway: subnet.gateway }]] } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/** Create a fresh isolation for the test called `name` (claims a subnet, makes a work folder). */
export async function createIsolation(name: string, opts: IsolationOptions = {}): Promise<TestIsolation> {
  const brand = testBrand(name);
  const net = `${brand}-net`;
  const bridge = deriveBridge(brand);
  const subnet = await claimSubnet(brand);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `${brand}-`));
  const cniConfDir = path.join(workDir, 'net.d');
  fs.mkdirSync(cniConfDir);
  const dockerNets: DockerTestNetwork[] = [];
  const scope = (): LeftoverScope => ({ namespace: brand, brand, cniNetwork: net, bridge, subnetPrefix: subnet.prefix,
    cniCacheDirs: opts.cniCacheDirs, extraNeedles: dockerNets.filter((n) => n.removed).flatMap((n) => [n.bridge, n.subnet.prefix]) });
  let cleaned = false;
  const iso: TestIsolation = {
    brand, namespace: brand, env: 'test', cniNetwork: net, bridge, subnet, workDir, cniConfDir,
    labels: { [TEST_LABEL]: brand, created_by: `${brand}-agent`, [`${brand}_env`]: 'test', [`com.${brand}.kind`]: 'function' },
    agentEnv: {
      ESB_BRAND_SLUG: brand, ENV: 'test', CONTAINERS_NETWORK: net, CNI_CONF_DIR: cniConfDir, CNI_BIN_DIR,
      CNI_SUBNET: subnet.cidr, CNI_BRIDGE: bridge, CNI_GW_IP: subnet.gateway,
      CONTAINER_REGISTRY: REGISTRY, CONTAINER_REGISTRY_INSECURE: '1',
    },
    containerId: (fn = 'fn') => `${brand}-${fn}-${randomHex(8)}`,
    netnsName: () => `${brand}-${randomHex(8)}`,
    conflist: () => conflistFor(brand, net, bridge, subnet),
    writeConflist() {
      const file = path.join(cniConfDir, `10-${net}.conflist`);
      fs.writeFileSync(file, JSON.stringify(iso.conflist(), null, 2));
      return file;
    },
    async importImage() {
      const have = lines(await ctr(brand, ['images', 'ls', '-q']));
      if (!have.includes(WORKER_IMAGE_REF)) await ctr(brand, ['images', 'import', WORKER_IMAGE_TAR], { timeoutMs: 120_000 });
      return WORKER_IMAGE_REF;
    },
    async loadDockerImage() {
      const r = await run('/usr/bin/docker', ['image', 'inspect', WORKER_IMAGE_REF], { allowFail: true });
      if (r.code !== 0) await docker(['load', '-q', '-i', WORKER_IMAGE_TAR], { timeoutMs: 120_000 });
      return WORKER_IMAGE_REF;
    },
    async createDockerNetwork() {
      const n = await createDockerNetwork(brand, dockerNets.length);
      dockerNets.push(n);
      return n;
    },
    findLeftovers: () => findLeftovers(scope()),
    async assertNothingLeft() {
      const found = await findLeftovers(scope());
      if (found.length) throw new Error(`test ${brand} left resources behind:\n  ${found.join('\n  ')}`);
    },
    async cleanup() {
      if (cleaned) return;
      const all = { ...scope(), extraNeedles: dockerNets.flatMap((n) => [n.bridge, n.subnet.prefix]) };
      const errors = await forceCleanup(all, dockerNets.map((n) => n.name));
      errors.push(...(await cleanupDockerNetworks(dockerNets)));
      fs.rmSync(workDir, { recursive: true, force: true });
      subnet.release();
      cleaned = true;
      if (errors.length) throw new Error(`cleanup of ${brand} failed:\n  ${errors.join('\n  ')}`);
    },
  };
  return iso;
}
