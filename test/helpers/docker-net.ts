/**
 * Docker test networks: bridge networks named `<brand>-dnet<N>` on a claimed test subnet, with
 * masquerade OFF (`com.docker.network.bridge.enable_ip_masquerade=false`) and labelled with the
 * test id, so runtime-down.sh and the leak check recognise them.
 */
import { docker } from './exec.js';
import { TEST_LABEL } from './naming.js';
import { claimSubnet, type SubnetClaim } from './subnets.js';

/** A created docker network. */
export interface DockerTestNetwork {
  name: string;
  id: string;
  /** Linux bridge docker made for it: `br-<first 12 hex of id>`. */
  bridge: string;
  subnet: SubnetClaim;
  /** True once remove() ran; the leak check only looks for rules of removed networks. */
  removed: boolean;
  /** docker network rm (idempotent) and release the subnet. */
  remove(): Promise<void>;
}

/** Create the `index`-th docker network of test `brand`. */
export async function createDockerNetwork(brand: string, index: number): Promise<DockerTestNetwork> {
  const subnet = await claimSubnet(`${brand}-docker`);
  const name = `${brand}-dnet${index}`;
  try {
    const id = (await docker(['network', 'create', '--driver', 'bridge', '--subnet', subnet.cidr, '--gateway', subnet.gateway,
      '-o', 'com.docker.network.bridge.enable_ip_masquerade=false', '--label', `${TEST_LABEL}=${brand}`, name])).trim();
    const net: DockerTestNetwork = {
      name, id, bridge: `br-${id.slice(0, 12)}`, subnet, removed: false,
      async remove() {
        if (net.removed) return;
        const r = await docker(['network', 'rm', name], { allowFail: true, timeoutMs: 60_000 });
        if (r.trim() !== name && r.trim() !== '') throw new Error(`docker network rm ${name}: ${r}`);
        net.removed = true;
        subnet.release();
      },
    };
    return net;
  } catch (err) {
    subnet.release();
    throw err;
  }
}

/** Remove the networks (ignoring ones already gone) and release their subnets; returns errors. */
export async function cleanupDockerNetworks(nets: DockerTestNetwork[]): Promise<string[]> {
  const errors: string[] = [];
  for (const n of nets) {
    await n.remove().catch((e: Error) => errors.push(e.message));
    n.subnet.release();
  }
  return errors;
}
