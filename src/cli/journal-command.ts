/**
 * `esb-agent journal show <file> [worker-id]` prints a journal as a timeline (optionally only
 * one worker's entries); `esb-agent journal tail <file> [worker-id] [-n N] [--no-follow]` prints
 * the last N entries (default 20) and then follows the file as the agent appends to it, until
 * SIGINT/SIGTERM. A truncated or replaced file is read again from the start.
 */
import { open, stat } from 'node:fs/promises';
import { createTimeline, entryMatches, parseJournalLine, type JournalEntry, type Timeline } from '../observability/journal-timeline.js';
import type { CliIo } from './io.js';

export const JOURNAL_USAGE = `Usage:
  esb-agent journal show <file> [worker-id]               print the journal as a timeline
  esb-agent journal tail <file> [worker-id] [-n N] [--no-follow]
                                                          last N entries (default 20), then follow`;

export interface JournalCommandOptions {
  /** How often `tail` checks the file for new data. @default 250 */
  pollMs?: number | undefined;
}

interface Args {
  sub: 'show' | 'tail';
  file: string;
  worker: string | undefined;
  lines: number;
  follow: boolean;
}

function parseArgs(args: readonly string[]): Args | string {
  const [sub, ...rest] = args;
  if (sub !== 'show' && sub !== 'tail') return `unknown journal command ${JSON.stringify(sub ?? '')}`;
  const positional: string[] = [];
  let lines = 20;
  let follow = sub === 'tail';
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '-n' || a === '--lines') {
      const n = Number(rest[++i]);
      if (!Number.isInteger(n) || n < 0) return '-n needs a non-negative integer';
      lines = n;
    } else if (a === '--no-follow') follow = false;
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else positional.push(a);
  }
  const [file, worker, extra] = positional;
  if (!file || extra !== undefined) return 'expected <file> [worker-id]';
  return { sub, file, worker, lines, follow };
}

/** Runs `journal show|tail`. Exit codes: 0 ok, 1 unreadable file, 2 usage error. */
export async function runJournalCommand(args: readonly string[], io: CliIo, opts: JournalCommandOptions = {}): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.err(`esb-agent journal: ${parsed}`);
    io.err(JOURNAL_USAGE);
    return 2;
  }
  const timeline = createTimeline();
  const reader = new LineReader(parsed.file);
  try {
    const first = await reader.read();
    const emit = printer(io, timeline, parsed.worker);
    if (parsed.sub === 'show') {
      for (const line of first) emit(line);
      return 0;
    }
    const kept = keepLast(first, parsed.lines, parsed.worker);
    for (const line of kept) emit(line);
    if (!parsed.follow) return 0;
    return await follow(reader, emit, io, opts.pollMs ?? 250);
  } catch (err) {
    io.err(`esb-agent journal: cannot read ${parsed.file}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

function printer(io: CliIo, timeline: Timeline, worker: string | undefined): (line: string) => void {
  return (line) => {
    let entry: JournalEntry | undefined;
    try {
      entry = parseJournalLine(line);
    } catch (err) {
      io.err(`skipping malformed journal line: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!entry || (worker && !entryMatches(entry, worker))) return;
    const text = timeline.format(entry);
    if (text !== undefined) io.out(text);
  };
}

/** The last `n` lines that concern `worker` (all lines when no worker), in order. */
function keepLast(lines: string[], n: number, worker: string | undefined): string[] {
  const relevant = worker
    ? lines.filter((l) => { try { const e = parseJournalLine(l); return !e || entryMatches(e, worker); } catch { return true; } })
    : lines;
  return n === 0 ? [] : relevant.slice(-n);
}

async function follow(reader: LineReader, emit: (line: string) => void, io: CliIo, pollMs: number): Promise<number> {
  let stopped = false;
  const signal = io.waitForSignal().then(() => { stopped = true; });
  while (!stopped) {
    await Promise.race([signal, new Promise((r) => setTimeout(r, pollMs))]);
    if (stopped) break;
    try {
      for (const line of await reader.read()) emit(line);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // rotated away: wait for it to come back
    }
  }
  return 0;
}

/** Reads complete lines appended since the last call; restarts when the file shrinks. */
class LineReader {
  private offset = 0;
  private partial = '';

  constructor(private readonly path: string) {}

  async read(): Promise<string[]> {
    const { size } = await stat(this.path);
    if (size < this.offset) { this.offset = 0; this.partial = ''; }
    if (size === this.offset) return [];
    const fh = await open(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const text = this.partial + buf.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      return lines.filter((l) => l.trim() !== '');
    } finally {
      await fh.close();
    }
  }
}
