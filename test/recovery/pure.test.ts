import { describe, expect, it } from 'vitest';
import { adoptable } from '../../src/recovery/adopt.js';
import { ipamDir } from '../../src/recovery/containerd-scan.js';
import { findListed } from '../../src/recovery/destroy-unknown.js';
import { incompleteReason } from '../../src/recovery/recoverable-runtime.js';
import { workerNamePrefix } from '../../src/recovery/wiring.js';
import type { ManagedContainer } from '../../src/runtime/container-runtime.js';
import { deriveIdentity } from '../../src/identity.js';

const c = (over: Partial<ManagedContainer>): ManagedContainer => ({
  containerId: 'id1', name: 'esb-test-fn-00000001', functionName: 'fn', ownerId: 'o', status: 'RUNNING', createdAt: 1, ipAddress: '10.0.0.2', labels: {}, ...over,
});

describe('recovery helpers', () => {
  it('adopts only complete containers in a state the machine can start in', () => {
    expect(adoptable(c({}))).toBe(true);
    expect(adoptable(c({ status: 'PAUSED' }))).toBe(true);
    expect(adoptable(c({ status: 'STOPPED', exitCode: 0 }))).toBe(true);
    expect(adoptable(c({ status: 'UNKNOWN' }))).toBe(false);
    expect(adoptable(c({ incomplete: true }))).toBe(false);
  });

  it('names why a container is half-made', () => {
    expect(incompleteReason(c({ status: 'STOPPED', incomplete: true }))).toBe('created, no task');
    expect(incompleteReason(c({ status: 'UNKNOWN', incomplete: true }))).toBe('created but never started');
    expect(incompleteReason(c({ ipAddress: undefined, incomplete: true }))).toBe('no network attachment');
  });

  it('finds a listed container by Docker id or by name', () => {
    const list = [c({ containerId: 'abc', name: 'esb-test-fn-1' })];
    expect(findListed(list, 'abc')?.name).toBe('esb-test-fn-1');
    expect(findListed(list, 'esb-test-fn-1')?.containerId).toBe('abc');
    expect(findListed(list, 'other')).toBeUndefined();
  });

  it('reads the host-local folder from the conflist, else the default', () => {
    const net = (ipam: Record<string, unknown>) => ({ network: { cniVersion: '1.0.0', name: 'b-net', plugins: [{ type: 'bridge', ipam }] } });
    expect(ipamDir(net({ type: 'host-local' }))).toBe('/var/lib/cni/networks/b-net');
    expect(ipamDir(net({ type: 'host-local', dataDir: '/tmp/ipam' }))).toBe('/tmp/ipam/b-net');
  });

  it('derives the worker name prefix {brand}-{env}-', () => {
    expect(workerNamePrefix({ identity: deriveIdentity('acme', 'ESB_BRAND_SLUG', 'prod') })).toBe('acme-prod-');
  });
});

describe('containerd shim scan', () => {
  it('reads namespace, id and address from a runc v2 shim command line and ignores other processes', async () => {
    const { parseShimCmdline, ourShims } = await import('../../src/recovery/containerd-scan.js');
    const line = ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'ns1', '-id', 'esb-test-fn-00000001', '-address', '/run/c.sock'].join('\0');
    expect(parseShimCmdline(line)).toEqual({ namespace: 'ns1', id: 'esb-test-fn-00000001', address: '/run/c.sock' });
    expect(parseShimCmdline(['node', 'x'].join('\0'))).toBeUndefined();
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'esb-proc-'));
    try {
      const put = (pid: string, text: string) => { mkdirSync(join(dir, pid)); writeFileSync(join(dir, pid, 'cmdline'), text); };
      put('10', line);
      put('11', line.replace('ns1', 'ns2'));
      put('12', line.replace('esb-test-', 'esb-prod-'));
      put('self', line);
      const ctx = { namespace: 'ns1', client: { socket: '/run/c.sock' } } as unknown as Parameters<typeof ourShims>[0];
      expect(await ourShims(ctx, 'esb-test-', dir)).toEqual([{ pid: 10, id: 'esb-test-fn-00000001' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
