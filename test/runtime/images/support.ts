/** Shared set-up of the image integration tests: a client and a puller in the test's namespace. */
import { ContainerdClient } from '../../../src/runtime/containerd/client.js';
import { ImagePuller, type ImagePullerOptions } from '../../../src/runtime/images/image-puller.js';
import type { TestIsolation } from '../../helpers/index.js';

export const ECHO_REPO = 'esb/echo:latest';

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
