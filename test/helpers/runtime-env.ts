/**
 * Decides whether integration tests can run here. Outside CI a file whose needs are not met
 * skips with ONE loud line naming what is missing; with `CI` set the same situation throws, so
 * the file FAILS instead of silently skipping.
 *
 *   const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'containerd smoke');
 *   describe.skipIf(!rt.ok)('containerd smoke', () => { … });
 */
import fs from 'node:fs';
import http from 'node:http';
import { CTR_ADDRESS, run } from './exec.js';

/** What an integration test file can need. */
export type RuntimeNeed = 'root' | 'containerd' | 'docker' | 'registry' | 'cni' | 'image';

export const STATE_DIR = process.env.ESB_DEV_STATE ?? '/var/lib/esb-dev';
export const DOCKER_SOCKET = '/var/run/docker.sock';
export const REGISTRY = '127.0.0.1:5000';
export const CNI_BIN_DIR = '/opt/cni/bin';
/** The echo worker image tar kept current by scripts/runtime-up.sh. */
export const WORKER_IMAGE_TAR = `${STATE_DIR}/images/echo.tar`;
/** The echo worker image reference (registry, containerd import name and docker tag). */
export const WORKER_IMAGE_REF = `${REGISTRY}/esb/echo:latest`;

/** Outcome of {@link checkRuntimes}. */
export interface RuntimeCheck {
  ok: boolean;
  missing: string[];
}

const HINT = 'run `sudo scripts/runtime-up.sh`';

function get(options: http.RequestOptions): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ ...options, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function probe(need: RuntimeNeed): Promise<string | undefined> {
  switch (need) {
    case 'root':
      return process.getuid?.() === 0 ? undefined : 'root (tests must run as uid 0)';
    case 'containerd': {
      if (!fs.existsSync(CTR_ADDRESS)) return `containerd (no socket ${CTR_ADDRESS})`;
      const r = await run('ctr', ['--address', CTR_ADDRESS, 'version'], { timeoutMs: 5000, allowFail: true }).catch(() => undefined);
      return r?.code === 0 ? undefined : `containerd (socket ${CTR_ADDRESS} does not answer)`;
    }
    case 'docker':
      if (!fs.existsSync(DOCKER_SOCKET)) return `dockerd (no socket ${DOCKER_SOCKET})`;
      return (await get({ socketPath: DOCKER_SOCKET, path: '/_ping' })) === 200 ? undefined : `dockerd (${DOCKER_SOCKET} does not answer /_ping)`;
    case 'registry':
      return (await get({ host: '127.0.0.1', port: 5000, path: '/v2/' })) === 200 ? undefined : `registry (http://${REGISTRY}/v2/ does not answer)`;
    case 'cni':
      return fs.existsSync(`${CNI_BIN_DIR}/bridge`) ? undefined : `CNI plugins (${CNI_BIN_DIR}/bridge missing)`;
    case 'image':
      return fs.existsSync(WORKER_IMAGE_TAR) ? undefined : `worker image (${WORKER_IMAGE_TAR} missing)`;
  }
}

/** Probe each need (root is always checked); never throws. */
export async function checkRuntimes(needs: RuntimeNeed[]): Promise<RuntimeCheck> {
  const all: RuntimeNeed[] = ['root', ...needs.filter((n) => n !== 'root')];
  const missing = (await Promise.all(all.map(probe))).filter((m): m is string => m !== undefined);
  return { ok: missing.length === 0, missing };
}

/** True when the CI env var is set to anything but '', '0' or 'false'. */
export function inCi(): boolean {
  const v = (process.env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

/**
 * Check the needs of one test file. Returns `{ok:false}` (after printing one loud line) when
 * something is missing outside CI; throws when `CI` is set so the file fails.
 */
export async function requireRuntimes(needs: RuntimeNeed[], file: string): Promise<RuntimeCheck> {
  const check = await checkRuntimes(needs);
  if (check.ok) return check;
  const line = `${file}: integration tests need ${check.missing.join(', ')}; ${HINT}`;
  if (inCi()) throw new Error(`[CI] ${line}`);
  console.warn(`\n!!! SKIPPING ${line}\n`);
  return check;
}
