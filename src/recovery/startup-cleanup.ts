/**
 * Start-up cleanup: removes crash leftovers through a {@link RecoverableRuntime} and writes one
 * log line per item saying what was removed and why (or why removing it failed).
 */
import type { Logger } from 'pino';
import type { Leftover, RecoverableRuntime } from './recoverable-runtime.js';

export interface CleanupResult {
  removed: Leftover[];
  failed: Leftover[];
  ms: number;
}

/**
 * Runs the cleanup (and, when it removed half-made containers, the runtime's settle pass for
 * those names) and logs each item. Throws only when the runtime cannot be listed.
 */
export async function cleanupOnStart(
  recovery: RecoverableRuntime, log: Pick<Logger, 'info' | 'warn'>, opts: { stopGraceMs: number; signal?: AbortSignal | undefined; now?: () => number },
): Promise<CleanupResult> {
  const now = opts.now ?? Date.now;
  const t0 = now();
  const cleanupOpts = { stopGraceMs: opts.stopGraceMs, signal: opts.signal };
  const items = await recovery.cleanupLeftovers(cleanupOpts);
  const dead = items.filter((i) => i.kind === 'container' && !i.error).map((i) => i.id);
  if (dead.length > 0 && recovery.settle) {
    for (const late of await recovery.settle(dead, cleanupOpts)) items.push({ ...late, reason: `${late.reason} (appeared after the first pass)` });
  }
  for (const item of items) {
    if (item.error) log.warn({ kind: item.kind, id: item.id, reason: item.reason, err: item.error }, `start-up cleanup could not remove ${item.kind} ${item.id}`);
    else log.info({ kind: item.kind, id: item.id, reason: item.reason }, `start-up cleanup removed ${item.kind} ${item.id}: ${item.reason}`);
  }
  return { removed: items.filter((i) => !i.error), failed: items.filter((i) => i.error), ms: now() - t0 };
}
