/**
 * Pull progress: bytes done/total across the blobs of one pull, reported to listeners at most
 * every `intervalMs` (plus a final report), so a 100 MB layer does not flood the worker actor.
 */
import type { PullProgress } from '../container-runtime.js';

export type ProgressListener = (p: PullProgress) => void;

export class ProgressTracker {
  private done = 0;
  private total = 0;
  private lastAt = -Infinity;
  private readonly listeners = new Set<ProgressListener>();

  constructor(private readonly intervalMs = 250, private readonly now: () => number = () => performance.now()) {}

  /** Adds a listener (a caller joining a shared pull gets the current state at once). */
  listen(l: ProgressListener | undefined): () => void {
    if (!l) return () => undefined;
    this.listeners.add(l);
    if (this.total > 0) safe(l, this.snapshot());
    return () => this.listeners.delete(l);
  }

  /** Adds bytes expected to be fetched. */
  addTotal(bytes: number): void {
    this.total += bytes;
  }

  /** Records bytes fetched; reports when the throttle interval has passed. */
  advance(bytes: number): void {
    this.done += bytes;
    const t = this.now();
    if (t - this.lastAt >= this.intervalMs) this.emit(t);
  }

  /** Reports the current state now (end of the pull). */
  flush(): void {
    this.emit(this.now());
  }

  snapshot(): PullProgress {
    return { doneBytes: this.done, totalBytes: Math.max(this.total, this.done) };
  }

  private emit(t: number): void {
    this.lastAt = t;
    const s = this.snapshot();
    for (const l of this.listeners) safe(l, s);
  }
}

function safe(l: ProgressListener, p: PullProgress): void {
  try {
    l(p);
  } catch {
    // a listener's failure is not the pull's failure
  }
}
