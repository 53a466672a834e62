/** Shared set-up of the image integration tests: a client and a puller in the test's namespace. */
import { ContainerdClient } from '../../../src/runtime/containerd/client.js';
import { ImagePuller, type ImagePullerOptions } from '../../../src/runtime/images/image-puller.js';
import type { TestIsolation } from '../../helpers/index.js';

export const ECHO_REPO = 'esb/echo:latest';
/** The echo image's manifest, config and layer digests (as built by the test bed). */
export const ECHO_LAYER = 'sha256:7ed8b448e9739d5d8adde9d87de2dbfdb4b2f035eedbb47aab96f1517d8ed77a';

export interface PullerKit {
  client: ContainerdClient;
  puller: ImagePuller;
  warnings: string[];
  close(): Promise<void>;
}

/** A puller for the test's namespace with a logger that records warnings. */
export function makePuller(iso: TestIsolation, extra: Partial<ImagePullerOptions> = {}): PullerKit {
  const client = new ContainerdClient({ socket: '/run/containerd/containerd.sock', namespace: iso.namespace });
  const warnings: string[] = [];
  const log = { debug: () => undefined, info: () => undefined, warn: (_o: object, m?: string) => void warnings.push(m ?? '') };
  const puller = new ImagePuller({ client, snapshotter: 'overlayfs', log, registry: { retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 } }, ...extra });
  return { client, puller, warnings, async close() { await puller.close(); client.close(); } };
}
