import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES, ConfigError, configTableMarkdown, describeConfig, loadConfig, resolveSnapshotter,
} from '../../src/config.js';

const base = { ENV: 'test', CONTAINERS_NETWORK: 'esb-test-external' };

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the contract defaults with only the required variables', () => {
    const c = loadConfig(base);
    expect(c.env).toBe('test');
    expect(c.identity.brand).toBe('esb');
    expect(c.runtime.kind).toBe('auto');
    expect(c.grpc).toEqual({ host: '0.0.0.0', port: 50051, reflection: false, maxReceiveBytes: 6356992, maxSendBytes: 10551296 });
    expect(c.tls).toEqual({
      disabled: false,
      certPath: '/app/config/ssl/server.crt',
      keyPath: '/app/config/ssl/server.key',
      caCertPath: '/usr/local/share/ca-certificates/rootCA.crt',
    });
    expect(c.log).toEqual({ level: 'info', format: 'text' });
    expect(c.invoke).toEqual({ maxResponseBytes: 10485760, maxRequestBytes: 6291456, autoResume: false });
    expect(c.containerd).toEqual({ socket: '/run/containerd/containerd.sock', runtime: undefined, snapshotter: 'overlayfs' });
    expect(c.cni).toEqual({
      confDir: '/etc/cni/net.d', confFile: '/etc/cni/net.d/10-esb-net.conflist', binDir: '/opt/cni/bin', subnet: undefined,
      bridge: 'esb-esbefb03b', gatewayIp: undefined, dnsServer: undefined, netDir: '/var/lib/cni/networks', ipMasq: true, defaultRoute: true,
    });
    expect(c.images).toEqual({ pullPolicy: 'if-not-present', registry: 'registry:5010', registryInsecure: false, fallbackTag: 'latest' });
    expect(c.docker).toEqual({ host: undefined, apiVersion: undefined, certPath: undefined, tlsVerify: false });
    expect(c.limits).toEqual({ pull: 3, create: 8, network: 8, start: 8, destroy: 8 });
    expect(c.worker).toEqual({ stopGraceMs: 2000, readinessWait: true, readinessTimeoutMs: 10000, logDir: '/var/log/esb-agent/workers', logMaxBytes: 10485760 });
    expect(c.metrics).toEqual({ port: 9091 });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 9091, basicAuth: undefined });
    expect(c.inspect).toEqual({ enabled: false, port: 9092 });
    expect(c.shutdown).toEqual({ timeoutMs: 10000, policy: 'keep' });
    expect(c.reconcile).toEqual({ intervalMs: 30000 });
    expect(c.journal).toEqual({ path: undefined });
    expect(c.simulated).toEqual({ endpoints: true });
    expect(c.warnings).toEqual([]);
  });

  it('reads every variable when set', () => {
    const c = loadConfig({
      ...base, ESB_BRAND_SLUG: 'Acme', PORT: '6000', AGENT_GRPC_HOST: '127.0.0.1', AGENT_GRPC_REFLECTION: '1',
      AGENT_GRPC_TLS_DISABLED: '1', AGENT_GRPC_CERT_PATH: ' /c ', AGENT_GRPC_KEY_PATH: '/k', AGENT_GRPC_CA_CERT_PATH: '/ca',
      AGENT_INVOKE_MAX_RESPONSE_SIZE: '1000', AGENT_INVOKE_MAX_REQUEST_SIZE: '2000', AGENT_LOG_LEVEL: 'WARNING', AGENT_LOG_FORMAT: 'JSON', AGENT_RUNTIME: 'simulated',
      CONTAINERD_SOCKET: '/s', CONTAINERD_RUNTIME: 'aws.firecracker', CNI_CONF_DIR: '/cni/', CNI_BIN_DIR: '/bin', CNI_SUBNET: '10.20.0.0/24',
      CNI_BRIDGE: 'br9', CNI_GW_IP: '10.20.0.1', CNI_DNS_SERVER: '1.1.1.1', CNI_NET_DIR: '/n', CNI_IP_MASQ: 'false', CNI_DEFAULT_ROUTE: '0',
      IMAGE_PULL_POLICY: 'never', CONTAINER_REGISTRY: '127.0.0.1:5000', CONTAINER_REGISTRY_INSECURE: 'yes', ACME_TAG: 'v2',
      DOCKER_HOST: 'unix:///d.sock', AGENT_LIMIT_PULL: '1', AGENT_LIMIT_DESTROY: '2', AGENT_STOP_GRACE_MS: '0', AGENT_READINESS_WAIT: '0',
      AGENT_READINESS_TIMEOUT_MS: '5', AGENT_INVOKE_AUTO_RESUME: '1', AGENT_METRICS_PORT: '0', AGENT_HTTP_HOST: '0.0.0.0',
      AGENT_HTTP_BASIC_AUTH: 'me:s:ecret', AGENT_INSPECT: '1', AGENT_INSPECT_PORT: '9999', AGENT_SHUTDOWN_TIMEOUT: '1',
      AGENT_SHUTDOWN_POLICY: 'destroy', AGENT_RECONCILE_INTERVAL_MS: '0', AGENT_WORKER_LOG_DIR: '/w', AGENT_WORKER_LOG_MAX_BYTES: '10',
      AGENT_JOURNAL: '/tmp/j.jsonl', AGENT_SIM_ENDPOINTS: '0',
    });
    expect(c.identity.brand).toBe('acme');
    expect(c.grpc).toEqual({ host: '127.0.0.1', port: 6000, reflection: true, maxReceiveBytes: 4 * 1024 * 1024, maxSendBytes: 4 * 1024 * 1024 });
    expect(c.tls).toMatchObject({ disabled: true, certPath: '/c' });
    expect(c.log).toEqual({ level: 'warn', format: 'json' });
    expect(c.runtime.kind).toBe('simulated');
    expect(c.containerd).toEqual({ socket: '/s', runtime: 'aws.firecracker', snapshotter: 'devmapper' });
    expect(c.cni).toMatchObject({ confFile: '/cni/10-acme-net.conflist', subnet: '10.20.0.0/24', bridge: 'br9', ipMasq: false, defaultRoute: false });
    expect(c.images).toEqual({ pullPolicy: 'never', registry: '127.0.0.1:5000', registryInsecure: true, fallbackTag: 'v2' });
    expect(c.limits).toEqual({ pull: 1, create: 8, network: 8, start: 8, destroy: 2 });
    expect(c.worker).toMatchObject({ stopGraceMs: 0, readinessWait: false, readinessTimeoutMs: 5 });
    expect(c.http).toEqual({ host: '0.0.0.0', port: 0, basicAuth: { user: 'me', password: 's:ecret' } });
    expect(c.shutdown).toEqual({ timeoutMs: 1, policy: 'destroy' });
    expect(c.simulated.endpoints).toBe(false);
  });

  it('returns a deeply frozen object', () => {
    const c = loadConfig(base);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.grpc)).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('reads only the map it is given', () => {
    process.env['PORT'] = '1234';
    try {
      expect(loadConfig(base).grpc.port).toBe(50051);
    } finally {
      delete process.env['PORT'];
    }
  });

  it('falls back to LOG_LEVEL when AGENT_LOG_LEVEL is unset', () => {
    expect(loadConfig({ ...base, LOG_LEVEL: 'debug' }).log.level).toBe('debug');
    expect(loadConfig({ ...base, LOG_LEVEL: 'debug', AGENT_LOG_LEVEL: 'error' }).log.level).toBe('error');
  });

  it('keeps the invoke cap default for values that are not > 0, with a warning', () => {
    for (const v of ['0', '-1', 'abc']) {
      const c = loadConfig({ ...base, AGENT_INVOKE_MAX_RESPONSE_SIZE: v });
      expect(c.invoke.maxResponseBytes).toBe(10485760);
      expect(c.warnings[0]).toMatch(/AGENT_INVOKE_MAX_RESPONSE_SIZE/);
    }
  });

  it('warns that AGENT_GRPC_TLS_ENABLED is ignored', () => {
    expect(loadConfig({ ...base, AGENT_GRPC_TLS_ENABLED: '1' }).warnings).toEqual([expect.stringMatching(/AGENT_GRPC_TLS_ENABLED is ignored/)]);
  });

  describe('refuses invalid values naming the variable and what it accepts', () => {
    it.each([
      [{ CONTAINERS_NETWORK: 'n' }, 'ENV', /ENV is required/],
      [{ ENV: ' ', CONTAINERS_NETWORK: 'n' }, 'ENV', /ENV is required/],
      [{ ENV: 'dev env', CONTAINERS_NETWORK: 'n' }, 'ENV', /letters and digits/],
      [{ ENV: 'dev' }, 'CONTAINERS_NETWORK', /CONTAINERS_NETWORK is required/],
      [{ ENV: 'dev', CONTAINERS_NETWORK: 'bridge' }, 'ESB_BRAND_SLUG', /^stack identity is not resolvable: set ESB_BRAND_SLUG, or provide PROJECT_NAME\/ENV, or provide CONTAINERS_NETWORK$/],
      [{ ...base, AGENT_RUNTIME: 'dockr' }, 'AGENT_RUNTIME', /AGENT_RUNTIME="dockr" is invalid: expected one of containerd, docker, simulated/],
      [{ ...base, PORT: '70000' }, 'PORT', /integer from 0 to 65535/],
      [{ ...base, PORT: '12ab' }, 'PORT', /integer/],
      [{ ...base, AGENT_GRPC_TLS_DISABLED: 'true' }, 'AGENT_GRPC_TLS_DISABLED', /"1" \(on\) or "0" \(off\)/],
      [{ ...base, AGENT_GRPC_REFLECTION: 'yes' }, 'AGENT_GRPC_REFLECTION', /"1"/],
      [{ ...base, AGENT_LOG_LEVEL: 'verbose' }, 'AGENT_LOG_LEVEL', /one of trace, debug, info, warn, error, fatal, silent, warning/],
      [{ ...base, LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
      [{ ...base, AGENT_LOG_FORMAT: 'pretty' }, 'AGENT_LOG_FORMAT', /one of text, json/],
      [{ ...base, IMAGE_PULL_POLICY: 'IfNotPresent' }, 'IMAGE_PULL_POLICY', /always, if-not-present, never/],
      [{ ...base, CONTAINER_REGISTRY_INSECURE: 'maybe' }, 'CONTAINER_REGISTRY_INSECURE', /1\/true\/yes\/on/],
      [{ ...base, AGENT_LIMIT_PULL: '0' }, 'AGENT_LIMIT_PULL', /integer from 1 to 1024/],
      [{ ...base, AGENT_LIMIT_CREATE: '2.5' }, 'AGENT_LIMIT_CREATE', /integer/],
      [{ ...base, AGENT_READINESS_WAIT: '2' }, 'AGENT_READINESS_WAIT', /1\/true/],
      [{ ...base, AGENT_SHUTDOWN_POLICY: 'kill' }, 'AGENT_SHUTDOWN_POLICY', /keep, destroy/],
      [{ ...base, AGENT_HTTP_BASIC_AUTH: 'nopass' }, 'AGENT_HTTP_BASIC_AUTH', /user:password/],
      [{ ...base, CNI_SUBNET: '10.0.0.0/31' }, 'CNI_SUBNET', /prefix below 31/],
      [{ ...base, CNI_DNS_SERVER: 'dns.local' }, 'CNI_DNS_SERVER', /IPv4 address/],
      [{ ...base, AGENT_GRPC_MAX_SEND_SIZE: '0' }, 'AGENT_GRPC_MAX_SEND_SIZE', /an integer of at least 1$/],
      [{ ...base, AGENT_STOP_GRACE_MS: '-5' }, 'AGENT_STOP_GRACE_MS', /AGENT_STOP_GRACE_MS="-5" is invalid: expected an integer of at least 0/],
    ])('%j → %s', (env, variable, message) => {
      const err = configError(env);
      expect(err.variable).toBe(variable);
      expect(err.message).toMatch(message);
    });
  });

  it('documents every variable it reads (and reads every documented one)', () => {
    const read = new Set<string>();
    const env = new Proxy({ ...base, ESB_BRAND_SLUG: 'zed' } as Record<string, string>, {
      get(target, key: string) {
        read.add(key);
        return target[key];
      },
    });
    loadConfig(env);
    loadConfig(new Proxy({ ...base, AGENT_LOG_LEVEL: 'info' } as Record<string, string>, { get: (t, k: string) => (read.add(k), t[k]) }));
    const documented = new Set(CONFIG_VARIABLES.map((v) => v.name));
    const undocumented = [...read].filter((k) => !documented.has(k) && !/_TAG$/.test(k) && k !== 'AGENT_GRPC_TLS_ENABLED');
    expect(undocumented).toEqual([]);
    const unread = [...documented].filter((k) => !read.has(k) && k !== '<B>_TAG');
    expect(unread).toEqual([]);
  });
});

describe('resolveSnapshotter', () => {
  it('prefers the override, then devmapper for firecracker, else overlayfs', () => {
    expect(resolveSnapshotter(' native ', 'aws.firecracker')).toBe('native');
    expect(resolveSnapshotter(undefined, 'aws.firecracker')).toBe('devmapper');
    expect(resolveSnapshotter('', 'io.containerd.runc.v2')).toBe('overlayfs');
    expect(resolveSnapshotter(undefined, undefined)).toBe('overlayfs');
  });
});

describe('describeConfig', () => {
  it('masks the basic-auth password', () => {
    const d = describeConfig(loadConfig({ ...base, AGENT_HTTP_BASIC_AUTH: 'u:p' }));
    expect(JSON.stringify(d)).not.toContain(':p"');
    expect(d['http']).toMatchObject({ basicAuth: 'u:***' });
  });
});

describe('docs/configuration.md', () => {
  it('embeds the generated variable table', () => {
    const md = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(md).toContain(configTableMarkdown());
  });
});
