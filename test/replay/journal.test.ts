/** Journal entries, recorder and file sink. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { JournalFormatError, parseJournal, toJsonSafe } from '../../src/journal/journal-entry.js';
import { openJournalFile, readJournalFile } from '../../src/journal/journal-file.js';
import { createJournalRecorder } from '../../src/journal/recorder.js';
import { replayEntries } from '../../src/journal/replay.js';
import { harness, request, type Harness } from '../machines/sim-harness.js';

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('journal entries', () => {
  it('converts AgentErrors, errors, bigints, buffers and cycles to JSON-safe data', () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    expect(toJsonSafe({
      err: new AgentError('INTERNAL', 'boom', { step: 'createContainer' }),
      plain: new TypeError('bad'),
      big: 12n,
      bytes: new Uint8Array([1, 2]),
      fn: () => 1,
      nan: Number.NaN,
      cyc,
    })).toEqual({
      err: { code: 'INTERNAL', message: 'boom', step: 'createContainer' },
      plain: { name: 'TypeError', message: 'bad' },
      big: '12',
      bytes: { base64: 'AQI=' },
      nan: 'NaN',
      cyc: { a: 1, self: '[…]' },
    });
  });

  it('rejects lines of another version or shape with the line number', () => {
    expect(() => parseJournal('{"v":1,"seq":1,"actor":"a","kind":"spawn"}')).toThrow(JournalFormatError);
    expect(() => parseJournal('\nnot json')).toThrow(/journal line 2/);
  });
});

describe('journal recorder', () => {
  it('records spawn (env redacted), events and states of workers only, in processing order', async () => {
    const lines: string[] = [];
    let ts = 0;
    const rec = createJournalRecorder({ sink: (l) => lines.push(l), now: () => ts++ });
    h = harness({ inspect: rec.inspect });
    await h.sup.ensure(request({ env: { SECRET: 'hunter2' } }));
    const entries = parseJournal(lines.join('\n'));
    expect(lines.join('\n')).not.toContain('hunter2');
    expect(entries[0]).toMatchObject({ kind: 'spawn', input: { spec: { env: { SECRET: '[redacted]' } } } });
    expect(new Set(entries.map((e) => e.actor)).size).toBe(1);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.at(-1)).toMatchObject({ kind: 'state', state: 'running' });
    expect(replayEntries(entries).ok).toBe(true);
    h.sup.stopAll();
    expect(parseJournal(lines.join('\n')).at(-1)).toMatchObject({ kind: 'shutdown' });
  });
});

describe('journal file', () => {
  it('appends lines, flushes, reads them back, and drops (counting) past its buffer bound', async () => {
    dir = mkdtempSync(join(tmpdir(), 'esb-journal-'));
    const path = join(dir, 'j.jsonl');
    const sink = await openJournalFile(path, { maxBufferedLines: 2 });
    const line = (seq: number) => JSON.stringify({ v: 2, seq, ts: 0, actor: 'a', kind: 'shutdown' });
    sink.write(line(1));
    sink.write(line(2));
    sink.write(line(3)); // the first batch is already taken by the writer: buffered
    sink.write(line(4));
    sink.write(line(5)); // buffer full
    await sink.close();
    const seqs = (await readJournalFile(path)).map((e) => e.seq);
    expect(seqs.length + sink.dropped).toBe(5);
    expect(sink.dropped).toBeGreaterThan(0);
    const again = await openJournalFile(path);
    again.write(line(6));
    await again.close();
    expect((await readJournalFile(path)).at(-1)?.seq).toBe(6);
  });
});
