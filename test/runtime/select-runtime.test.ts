import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AgentError } from '../../src/errors.js';
import { containerdOptions, dockerOptions, selectRuntime } from '../../src/runtime/select-runtime.js';

const log = pino({ level: 'silent' });
const BASE = { ENV: 'dev', CONTAINERS_NETWORK: 'esb-net-external', ESB_BRAND_SLUG: 'acme' };

describe('selectRuntime', () => {
  it('maps the config to the containerd options (identity, CNI, snapshotter, logs, pulls)', async () => {
    const config = loadConfig({
      ...BASE, CONTAINERD_SOCKET: '/tmp/c.sock', CONTAINERD_RUNTIME: 'aws.firecracker', CNI_CONF_DIR: '/tmp/net.d/',
      CNI_BIN_DIR: '/tmp/bin', CNI_SUBNET: '10.20.0.0/24', CNI_DNS_SERVER: '10.20.0.53', CNI_IP_MASQ: '0', CNI_DEFAULT_ROUTE: 'false',
      AGENT_WORKER_LOG_DIR: '/tmp/logs', IMAGE_PULL_POLICY: 'never', CONTAINER_REGISTRY_INSECURE: '1',
    });
    const o = await containerdOptions(config, log, { cniIdentityFile: null, resolvConfDir: '/tmp/resolv' });
    expect(o).toMatchObject({
      socket: '/tmp/c.sock', namespace: 'acme', snapshotter: 'devmapper', runtimeName: 'aws.firecracker',
      managedLabels: { created_by: 'acme-agent', acme_env: 'dev', 'com.acme.kind': 'function' },
      functionLabelKey: 'acme_function', ownerLabelKey: 'com.acme.owner', logDir: '/tmp/logs', pullPolicy: 'never',
      registry: { insecure: true }, resolvConfDir: '/tmp/resolv',
    });
    expect(o.cni).toMatchObject({
      brand: 'acme', binDirs: ['/tmp/bin'], confDir: '/tmp/net.d/', confFile: '/tmp/net.d/10-acme-net.conflist', subnet: '10.20.0.0/24',
      dnsServer: '10.20.0.53', ipMasq: false, defaultRoute: false, identityFile: null, generate: true, ipamDataDir: undefined,
    });
  });

  it('loads a CNI_CONF_FILE of its own without generating over it', async () => {
    const config = loadConfig({ ...BASE, CNI_CONF_FILE: '/tmp/mine.conflist' });
    const o = await containerdOptions(config, log);
    expect(o.cni).toMatchObject({ confFile: '/tmp/mine.conflist', generate: false });
    expect(o.cni).not.toHaveProperty('identityFile');
    expect(o).not.toHaveProperty('resolvConfDir');
  });

  it('maps the config to the docker options', () => {
    const config = loadConfig({ ...BASE, DOCKER_HOST: 'unix:///tmp/d.sock', IMAGE_PULL_POLICY: 'always', DOCKER_API_VERSION: '1.41' });
    expect(dockerOptions(config, log)).toMatchObject({
      dockerHost: 'unix:///tmp/d.sock', network: 'esb-net-external', identity: { brand: 'acme', env: 'dev' },
      pullPolicy: 'always', apiVersion: '1.41', tls: undefined,
    });
  });

  it('goes from auto with no runtime answering to one UNAVAILABLE line naming both', async () => {
    const config = loadConfig({ ...BASE, CONTAINERD_SOCKET: '/nonexistent/c.sock', DOCKER_HOST: 'unix:///nonexistent/d.sock' });
    const err = (await selectRuntime(config, log).catch((e: unknown) => e)) as AgentError;
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/^AGENT_RUNTIME is unset \(auto\) and no runtime answers: containerd: .*\/nonexistent\/c\.sock.*; docker: .*\/nonexistent\/d\.sock/);
    expect(err.message).not.toContain('\n');
  });

  it('goes from AGENT_RUNTIME=docker with dockerd absent to UNAVAILABLE naming DOCKER_HOST', async () => {
    const config = loadConfig({ ...BASE, AGENT_RUNTIME: 'docker', DOCKER_HOST: 'unix:///nonexistent/d.sock' });
    await expect(selectRuntime(config, log)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^AGENT_RUNTIME=docker: .*DOCKER_HOST=unix:\/\/\/nonexistent\/d\.sock/) });
  });
});
