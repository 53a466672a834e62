/**
 * Small helpers over containerd's Content service: info, label updates,
 * reading small blobs (JSON), aborting ingests. Errors are the adapter's mapped AgentErrors.
 */
import type { ContainerdClient } from '../containerd/client.js';
import { isNotFound } from '../containerd/grpc-errors.js';

export interface ContentInfo {
  digest: string;
  size: number;
  labels: Record<string, string>;
}

interface Opts { lease?: string | undefined; signal?: AbortSignal | undefined }

/** Content.Info, or undefined when the blob is not in this namespace. */
export async function contentInfo(client: ContainerdClient, digest: string, opts: Opts = {}): Promise<ContentInfo | undefined> {
  try {
    const res = await client.call<{ info: { digest: string; size: string | number; labels?: Record<string, string> } }>(
      'content', 'Info', { digest }, { ...opts, what: digest });
    return { digest: res.info.digest, size: Number(res.info.size), labels: res.info.labels ?? {} };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Sets (or, with '', removes) single labels on a blob (`labels.<key>` mask paths). */
export async function setContentLabels(client: ContainerdClient, digest: string, labels: Record<string, string>, opts: Opts = {}): Promise<void> {
  const keys = Object.keys(labels);
  if (keys.length === 0) return;
  await client.call('content', 'Update', {
    info: { digest, labels },
    update_mask: { paths: keys.map((k) => `labels.${k}`) },
  }, { ...opts, what: digest });
}

/** Reads a whole (small) blob. Throws NOT_FOUND when absent. */
export async function readContent(client: ContainerdClient, digest: string, opts: Opts = {}): Promise<Buffer> {
  const parts = await client.collect<{ data: Buffer }>('content', 'Read', { digest, offset: 0, size: 0 }, { ...opts, what: digest });
  return Buffer.concat(parts.map((p) => p.data));
}

/** Drops a partial ingest; NOT_FOUND counts as done. Never throws. */
export async function abortIngest(client: ContainerdClient, ref: string): Promise<void> {
  await client.call('content', 'Abort', { ref }, { what: ref }).catch(() => undefined);
}
