import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { containerdOptionsFromConfig } from '../../../src/runtime/containerd/from-config.js';

describe('containerdOptionsFromConfig', () => {
  it('goes from agent env to adapter options: namespace, label test, CNI and image settings', async () => {
    const config = loadConfig({
      ENV: 'dev',
      CONTAINERS_NETWORK: 'acme-dev-external',
      ESB_BRAND_SLUG: 'acme',
      CNI_SUBNET: '10.20.0.0/24',
      CNI_IP_MASQ: 'false',
      CNI_NET_DIR: '/tmp/ipam',
      IMAGE_PULL_POLICY: 'never',
      CONTAINER_REGISTRY_INSECURE: '1',
      CONTAINERD_SNAPSHOTTER: 'native',
    });
    const opts = await containerdOptionsFromConfig(config, pino({ level: 'silent' }));
    expect(opts).toMatchObject({
      socket: '/run/containerd/containerd.sock',
      namespace: 'acme',
      snapshotter: 'native',
      managedLabels: { created_by: 'acme-agent', acme_env: 'dev', 'com.acme.kind': 'function' },
      functionLabelKey: 'acme_function',
      ownerLabelKey: 'com.acme.owner',
      pullPolicy: 'never',
      registry: { insecure: true, ca: undefined },
    });
    expect(opts.cni).toMatchObject({
      brand: 'acme',
      binDirs: ['/opt/cni/bin'],
      confDir: '/etc/cni/net.d',
      confFile: '/etc/cni/net.d/10-acme-net.conflist',
      subnet: '10.20.0.0/24',
      bridge: expect.stringMatching(/^esb-acme[0-9a-f]{6}$/),
      ipMasq: false,
      defaultRoute: true,
      ipamDataDir: '/tmp/ipam',
    });
  });
});
