/**
 * Parses the JSON-lines progress stream of `POST /images/create` (docker pull). Docker reports
 * failures INSIDE a 200 stream (`{"error": …, "errorDetail": {"message": …}}`); the Go agent
 * drained and ignored that stream, we record the error so the pull fails. Pure (no I/O).
 */
import type { PullProgress } from '../container-runtime.js';

interface LayerProgress {
  current: number;
  total: number;
}

/** One decoded line of the pull stream (the fields we read). */
interface PullLine {
  status?: unknown;
  id?: unknown;
  progressDetail?: { current?: unknown; total?: unknown } | null;
  error?: unknown;
  errorDetail?: { message?: unknown } | null;
}

/** What the stream said once it ended. */
export interface PullOutcome {
  /** The first in-stream error, if any. */
  error?: string | undefined;
  /** `Digest: sha256:…` when the daemon printed it. */
  digest?: string | undefined;
  /** The last status line (e.g. `Status: Downloaded newer image for …`). */
  lastStatus?: string | undefined;
  /** Lines that were not JSON (ignored, counted for logs). */
  badLines: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/** Incremental parser: feed chunks with {@link push}, read {@link progress} and {@link outcome}. */
export class PullProgressParser {
  private readonly layers = new Map<string, LayerProgress>();
  private rest = '';
  private readonly result: PullOutcome = { badLines: 0 };

  /** Feeds raw bytes; returns true when the aggregated progress changed. */
  push(chunk: Buffer | string): boolean {
    const text = this.rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const lines = text.split(/\r?\n/);
    this.rest = lines.pop() ?? '';
    let changed = false;
    for (const line of lines) changed = this.line(line) || changed;
    return changed;
  }

  /** Flushes a final unterminated line. */
  end(): boolean {
    const last = this.rest;
    this.rest = '';
    return this.line(last);
  }

  /** Bytes downloaded / to download, summed over layers (download phase only). */
  progress(): PullProgress {
    let doneBytes = 0;
    let totalBytes = 0;
    for (const l of this.layers.values()) {
      doneBytes += Math.min(l.current, l.total || l.current);
      totalBytes += l.total;
    }
    return { doneBytes, totalBytes };
  }

  outcome(): PullOutcome {
    return { ...this.result };
  }

  private line(raw: string): boolean {
    const trimmed = raw.trim();
    if (!trimmed) return false;
    let msg: PullLine;
    try {
      msg = JSON.parse(trimmed) as PullLine;
    } catch {
      this.result.badLines++;
      return false;
    }
    if (msg === null || typeof msg !== 'object') return false;
    const error = this.errorOf(msg);
    if (error !== undefined) {
      this.result.error ??= error;
      return false;
    }
    const status = typeof msg.status === 'string' ? msg.status : '';
    if (status) this.result.lastStatus = status;
    const digest = /^Digest:\s*(\S+)/.exec(status)?.[1];
    if (digest) this.result.digest = digest;
    return typeof msg.id === 'string' ? this.layer(msg.id, status, msg.progressDetail) : false;
  }

  private errorOf(msg: PullLine): string | undefined {
    const detail = msg.errorDetail?.message;
    if (typeof detail === 'string' && detail) return detail;
    if (typeof msg.error === 'string' && msg.error) return msg.error;
    if (msg.error !== undefined && msg.error !== null && msg.error !== '') return JSON.stringify(msg.error);
    return undefined;
  }

  private layer(id: string, status: string, detail: PullLine['progressDetail']): boolean {
    const layer = this.layers.get(id);
    if (status === 'Downloading') {
      const next = { current: num(detail?.current), total: num(detail?.total) };
      if (layer && layer.current === next.current && layer.total === next.total) return false;
      this.layers.set(id, next);
      return true;
    }
    if (/^(Download complete|Pull complete|Verifying Checksum)$/.test(status) && layer && layer.current < layer.total) {
      layer.current = layer.total;
      return true;
    }
    return false;
  }
}
