/**
 * The journal file: an append-only JSONL sink with a bounded in-memory buffer, and a reader.
 * The sink is synchronous for the recorder (it only queues); a single writer appends batches.
 * When the disk cannot keep up and the buffer is full, lines are dropped and counted (replay
 * then reports the seq gap) rather than growing memory without bound.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { parseJournal, type JournalEntry } from './journal-entry.js';

export interface JournalFileOptions {
  /** Lines kept in memory while a write is in flight. @default 10000 */
  maxBufferedLines?: number | undefined;
  /** Called once per write failure (e.g. to log it); the sink keeps going. */
  onError?: ((err: unknown) => void) | undefined;
}

export interface JournalFileSink {
  /** Queues one line (no newline). Never throws. */
  write(line: string): void;
  /** Resolves when everything queued so far is on disk. */
  flush(): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<void>;
  /** Lines dropped because the buffer was full. */
  readonly dropped: number;
}

/** Opens (creating if needed) `path` for appending. @throws the fs error when it cannot be opened. */
export async function openJournalFile(path: string, opts: JournalFileOptions = {}): Promise<JournalFileSink> {
  const fh: FileHandle = await open(path, 'a');
  const max = opts.maxBufferedLines ?? 10_000;
  let buffer: string[] = [];
  let dropped = 0;
  let writing: Promise<void> | undefined;
  let closed = false;

  const drain = async (): Promise<void> => {
    while (buffer.length > 0) {
      const batch = buffer;
      buffer = [];
      try {
        await fh.appendFile(`${batch.join('\n')}\n`);
      } catch (err) {
        opts.onError?.(err);
      }
    }
    writing = undefined;
  };
  const kick = () => {
    writing ??= drain();
  };

  return {
    write(line: string) {
      if (closed) return;
      if (buffer.length >= max) {
        dropped += 1;
        return;
      }
      buffer.push(line);
      kick();
    },
    async flush() {
      while (writing) await writing;
    },
    async close() {
      closed = true;
      while (writing) await writing;
      await fh.close();
    },
    get dropped() {
      return dropped;
    },
  };
}

/** Reads and parses a journal file. @throws JournalFormatError, fs errors. */
export async function readJournalFile(path: string): Promise<JournalEntry[]> {
  return parseJournal(await readFile(path, 'utf8'));
}
