/**
 * Test-bed helpers for integration tests (`*.int.test.ts`). Import from `test/helpers/index.js`.
 *
 * Gate a file on the real runtimes (skips loudly outside CI, FAILS when `CI` is set):
 *   const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'my-adapter.int.test.ts');
 *   describe.skipIf(!rt.ok)('containerd adapter', () => { … });
 *   needs: 'root' (always checked) | 'containerd' | 'docker' | 'registry' | 'cni' | 'image'
 *
 * Isolate each test:
 *   let iso: TestIsolation;
 *   beforeEach(async () => { iso = await createIsolation('pause-resume'); });
 *   afterEach(async () => { await iso.cleanup(); });          // forced, idempotent, throws on failure
 *   it('…', async () => { …; await iso.assertNothingLeft(); }); // after the code under test cleaned up
 *
 *   iso.brand / iso.namespace  `esbt-<slug>-<6hex>` (containerd namespace = brand, as in the agent)
 *   iso.env                    'test'
 *   iso.cniNetwork, iso.bridge `<brand>-net`, `esb-<4><6hex>` (the agent's own derivation)
 *   iso.subnet                 {cidr, gateway, prefix} a /24 in 10.240.0.0/13 claimed for this test
 *   iso.cniConfDir, iso.workDir private folders (removed by cleanup)
 *   iso.agentEnv               env for an agent config: ESB_BRAND_SLUG, ENV, CONTAINERS_NETWORK,
 *                              CNI_CONF_DIR, CNI_BIN_DIR, CNI_SUBNET, CNI_BRIDGE, CNI_GW_IP,
 *                              CONTAINER_REGISTRY=127.0.0.1:5000, CONTAINER_REGISTRY_INSECURE=1
 *   iso.labels                 docker labels: esb.test.id=<brand>, created_by=<brand>-agent,
 *                              <brand>_env=test, com.<brand>.kind=function
 *   iso.containerId(fn)        `<brand>-<fn>-<8hex>`;  iso.netnsName() `<brand>-<8hex>`
 *   iso.conflist()/writeConflist()  bridge+host-local+portmap, NO ipMasq, NO routes
 *   iso.importImage()          echo image into the namespace → '127.0.0.1:5000/esb/echo:latest'
 *   iso.loadDockerImage()      echo image into dockerd → same ref
 *   iso.createDockerNetwork()  {name `<brand>-dnetN`, id, bridge br-…, subnet}, masquerade off
 *   iso.findLeftovers() / iso.assertNothingLeft()
 *       containers, tasks, active snapshots, leases, processes in the ns cgroup, netns named
 *       <brand>*, IPAM leases in /var/lib/cni/networks/<net>, CNI result caches, iptables rules
 *       naming the bridge/subnet/brand, docker containers labelled esb.test.id=<brand>
 *   iso.cleanup()              removes all of it plus the namespace, bridge, docker networks,
 *                              cgroup folders, work folder; releases the subnet
 *
 * Also: cniAdd/cniDel/cniLoopback (a tiny CNI executor), waitFor, run/ctr/docker, naming rules,
 * removeNamespace/removeCgroups/removeIptablesRules/forceCleanup, createDockerNetwork, claimSubnet.
 */
export * from './cleanup.js';
export * from './cni-exec.js';
export * from './docker-net.js';
export * from './exec.js';
export * from './isolation.js';
export * from './leftovers.js';
export * from './naming.js';
export * from './runtime-env.js';
export * from './wait.js';
export * from './subnets.js';
