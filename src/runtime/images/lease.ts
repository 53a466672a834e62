/**
 * The lease a pull or import runs under: everything written is kept
 * from GC until the image record and the GC labels root it; on failure the lease is deleted
 * with `sync` so containerd collects the partial content and snapshots before we return.
 */
import { randomUUID } from 'node:crypto';
import type { ContainerdClient } from '../containerd/client.js';
import { isNotFound } from '../containerd/grpc-errors.js';

/** Pure. RFC3339 seconds, the format of `containerd.io/gc.expire`. */
export function expiryLabel(nowMs: number, ttlMs: number): string {
  return new Date(nowMs + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Creates a lease expiring after `ttlMs` (default 24 h, as the Go client). Returns its id,
 * `esb-pull-<uuid>` or `esb-import-<uuid>` by default: start-up cleanup recognises a dead
 * agent's pull and import leases by that prefix.
 */
export async function createLease(
  client: ContainerdClient,
  opts: { id?: string; kind?: 'pull' | 'import'; ttlMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<string> {
  const res = await client.call<{ lease: { id: string } }>('leases', 'Create', {
    id: opts.id ?? `esb-${opts.kind ?? 'pull'}-${randomUUID()}`,
    labels: { 'containerd.io/gc.expire': expiryLabel(Date.now(), opts.ttlMs ?? 24 * 3600_000), 'esb.pull': 'true' },
  }, { signal: opts.signal, what: 'pull lease' });
  return res.lease.id;
}

/** Deletes the lease (NOT_FOUND = done). `sync` waits for GC. Never cancelled by the caller. */
export async function deleteLease(client: ContainerdClient, id: string, sync: boolean): Promise<void> {
  try {
    await client.call('leases', 'Delete', { id, sync }, { what: id, timeoutMs: sync ? 120_000 : undefined });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
