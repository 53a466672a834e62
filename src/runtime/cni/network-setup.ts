/**
 * Start-up of the brand's CNI network (contract §3 steps 3–8, failing hard instead of warning,
 * §8.20): subnet (given, or derived with collision probing), bridge, DNS server, the conflist
 * written atomically, the identity file, and the conflist loaded back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from '../../errors.js';
import { cniNetworkName, deriveBridgeName } from './brand-network.js';
import type { CniNetworkOptions } from './network-options.js';
import { generateConflist, type NetworkConfigList, parseConflist, resolveDnsServer, serializeConflist } from './conflist.js';
import { DEFAULT_IDENTITY_FILE, writeFileAtomic, writeIdentityFile } from './identity-file.js';
import { collectSubnetClaims, pickSubnet } from './subnet-claims.js';

/** The network options with the conf dir resolved. */
export type NetworkSetupInput = CniNetworkOptions & { confDir: string };

export interface PreparedNetwork {
  list: NetworkConfigList;
  confFile: string;
  subnet: string;
  bridge: string;
  dnsServer: string;
  /** Probe index used (0 = base); > 0 means another network held the base subnet. */
  probe: number;
  /** Every probe was claimed and the base subnet was used anyway. */
  exhausted: boolean;
}

/** Prepares the network config. Throws FAILED_PRECONDITION naming the file that could not be written or read. */
export async function prepareCniNetwork(input: NetworkSetupInput): Promise<PreparedNetwork> {
  const name = cniNetworkName(input.brand);
  let subnet = input.subnet?.trim() ?? '';
  let probe = 0;
  let exhausted = false;
  if (!subnet) {
    let claims = new Map<string, string>();
    try {
      claims = await collectSubnetClaims(input.confDir, name);
    } catch {
      claims = new Map();
    }
    ({ subnet, probe, exhausted } = pickSubnet(input.brand, claims));
  }
  const bridge = input.bridge?.trim() || deriveBridgeName(input.brand);
  const dnsServer = resolveDnsServer({ dnsServer: input.dnsServer, gwIp: input.gwIp, subnet });
  const confFile = input.confFile?.trim() || join(input.confDir, `10-${name}.conflist`);
  if (input.generate !== false) {
    const list = generateConflist({
      networkName: name,
      bridge,
      subnet,
      dnsServer,
      ipMasq: input.ipMasq,
      defaultRoute: input.defaultRoute,
      ipamDataDir: input.ipamDataDir,
    });
    try {
      await writeFileAtomic(confFile, serializeConflist(list), 0o644, '.esb-conflist-');
    } catch (err) {
      throw new AgentError('FAILED_PRECONDITION', `cannot write CNI config ${confFile}: ${(err as Error).message}`, { cause: err, step: 'cni' });
    }
  }
  const identityFile = input.identityFile === undefined ? DEFAULT_IDENTITY_FILE : input.identityFile;
  if (identityFile) {
    try {
      await writeIdentityFile(identityFile, { network: name, bridge, subnet, gwIp: input.gwIp });
    } catch (err) {
      throw new AgentError('FAILED_PRECONDITION', `cannot write CNI identity file ${identityFile}: ${(err as Error).message}`, { cause: err, step: 'cni' });
    }
  }
  let text: string;
  try {
    text = await readFile(confFile, 'utf8');
  } catch (err) {
    throw new AgentError('FAILED_PRECONDITION', `cannot read CNI config ${confFile}: ${(err as Error).message}`, { cause: err, step: 'cni' });
  }
  return { list: parseConflist(text, confFile), confFile, subnet, bridge, dnsServer, probe, exhausted };
}
