/** Condition waiting for integration tests (no fixed sleeps; generous deadlines). */

/** Options for {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many ms (default 60 000). */
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
  /** Text for the timeout error. */
  what?: string;
}

/**
 * Call `probe` until it returns a value other than undefined/false, and return that value.
 * Exceptions from the probe count as "not yet"; the last one is quoted in the timeout error.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, opts: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
