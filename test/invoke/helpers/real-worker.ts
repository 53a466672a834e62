/**
 * The real echo worker (examples/workers/echo, image 127.0.0.1:5000/esb/echo:latest) started
 * with the test bed's tools, for invoke integration tests while the agent's own runtime
 * adapters are not wired: containerd through `ctr` + the CNI plugins, dockerd through the
 * docker CLI on a test network. Everything is named after the test's isolation, so its
 * cleanup removes it even when a test fails.
 */
import { request } from 'undici';
import {
  cniAdd, cniDel, cniLoopback, ctr, docker, lines, run, waitFor, type TestIsolation,
} from '../../helpers/index.js';

export interface EchoStats {
  received: number;
  accepted: number;
  rejected: number;
  completed: number;
  errors: number;
  inFlight: number;
}

export interface RealWorker {
  /** Container id (containerd) or name (docker). */
  readonly name: string;
  readonly ip: string;
  /** The worker's own counters (`GET /__stats`). */
  stats(): Promise<EchoStats>;
  /** Stops and removes the container and its network attachment. */
  remove(): Promise<void>;
}

async function getStats(ip: string): Promise<EchoStats> {
  const res = await request(`http://${ip}:8080/__stats`, { headersTimeout: 5000, bodyTimeout: 5000 });
  return (await res.body.json()) as EchoStats;
}

async function answering(ip: string, what: string): Promise<void> {
  await waitFor(async () => (await getStats(ip)).received >= 0, { what, timeoutMs: 60_000 });
}

async function taskStatus(ns: string, id: string): Promise<string | undefined> {
  const row = lines(await ctr(ns, ['tasks', 'ls'])).map((l) => l.split(/\s+/)).find((c) => c[0] === id);
  return row?.[2];
}

/** Starts the echo worker as a containerd task in the test's namespace, on its CNI bridge. */
export async function startContainerdEcho(iso: TestIsolation, env: Record<string, string> = {}): Promise<RealWorker> {
  const ref = await iso.importImage();
  const id = iso.containerId('echo');
  const netnsName = iso.netnsName();
  const att = { containerId: id, netns: `/var/run/netns/${netnsName}` };
  const conflist = iso.conflist();
  await run('ip', ['netns', 'add', netnsName]);
  await cniLoopback(att);
  const { ip } = await cniAdd(conflist, att);
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  await ctr(iso.namespace, ['run', '-d', ...envArgs, '--with-ns', `network:${att.netns}`, ref, id]);
  await answering(ip, `containerd echo worker ${id} at ${ip}:8080`);
  let removed = false;
  return {
    name: id, ip, stats: () => getStats(ip),
    async remove() {
      if (removed) return;
      removed = true;
      await cniDel(conflist, att);
      if ((await taskStatus(iso.namespace, id)) !== 'STOPPED') {
        await ctr(iso.namespace, ['tasks', 'kill', '-s', 'SIGKILL', id], { allowFail: true });
      }
      await waitFor(async () => (await taskStatus(iso.namespace, id)) === 'STOPPED', { what: `${id} to stop` });
      await ctr(iso.namespace, ['tasks', 'rm', id]);
      await ctr(iso.namespace, ['containers', 'rm', id]);
      await run('ip', ['netns', 'del', netnsName]);
    },
  };
}

/** Starts the echo worker as a docker container on a fresh test network. */
export async function startDockerEcho(iso: TestIsolation, env: Record<string, string> = {}): Promise<RealWorker> {
  const ref = await iso.loadDockerImage();
  const net = await iso.createDockerNetwork();
  const name = iso.containerId('echo');
  const labels = Object.entries(iso.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const id = (await docker(['run', '-d', '--name', name, '--network', net.name, ...labels, ...envArgs, ref])).trim();
  const ip = (await docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net.name}").IPAddress}}`, id])).trim();
  await answering(ip, `docker echo worker ${name} at ${ip}:8080`);
  let removed = false;
  return {
    name, ip, stats: () => getStats(ip),
    async remove() {
      if (removed) return;
      removed = true;
      await docker(['rm', '-f', id]);
      await net.remove();
    },
  };
}
