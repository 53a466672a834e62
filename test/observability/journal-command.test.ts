import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJournalCommand } from '../../src/cli/journal-command.js';
import type { CliIo } from '../../src/cli/io.js';

const line = (seq: number, actor: string, value: string) => `${JSON.stringify({ v: 2, seq, ts: 1_764_324_000_000 + seq, actor, kind: 'state', value })}\n`;
let dir: string;
let file: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'esb-journal-cli-')); file = join(dir, 'journal.jsonl'); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function io(): CliIo & { outLines: string[]; errLines: string[]; signal(): void } {
  let fire: (s: string) => void = () => undefined;
  const signalled = new Promise<string>((r) => { fire = r; });
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { env: {}, out: (l) => outLines.push(l), err: (l) => errLines.push(l), waitForSignal: () => signalled, outLines, errLines, signal: () => fire('SIGINT') };
}
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('runJournalCommand', () => {
  it('shows one worker as a timeline', async () => {
    writeFileSync(file, line(1, 'worker:a', 'pulling') + line(2, 'worker:b', 'pulling') + line(3, 'worker:a', 'running'));
    const t = io();
    expect(await runJournalCommand(['show', file, 'a'], t)).toBe(0);
    expect(t.outLines).toHaveLength(2);
    expect(t.outLines[1]).toContain('pulling → running');
  });

  it('tails the last entries and follows appended ones until a signal', async () => {
    writeFileSync(file, line(1, 'worker:a', 'pulling') + line(2, 'worker:a', 'creating') + line(3, 'worker:a', 'netSetup'));
    const t = io();
    const done = runJournalCommand(['tail', file, '-n', '2'], t, { pollMs: 20 });
    await until(() => t.outLines.length === 2);
    expect(t.outLines[0]).toContain('#2');
    appendFileSync(file, line(4, 'worker:a', 'starting').slice(0, 20));
    appendFileSync(file, line(4, 'worker:a', 'starting').slice(20));
    await until(() => t.outLines.length === 3);
    expect(t.outLines[2]).toContain('starting');
    t.signal();
    expect(await done).toBe(0);
  });

  it('reports usage errors with exit 2 and unreadable files with exit 1', async () => {
    const t = io();
    expect(await runJournalCommand(['frobnicate'], t)).toBe(2);
    expect(await runJournalCommand(['show'], t)).toBe(2);
    expect(await runJournalCommand(['show', join(dir, 'missing.jsonl')], t)).toBe(1);
    expect(t.errLines.join('\n')).toContain('cannot read');
  });
});

describe('runJournalCommand on a recorded journal', () => {
  it('reads the recorder\'s happy-path fixture as a timeline', async () => {
    const t = io();
    expect(await runJournalCommand(['show', 'test/fixtures/journals/happy-path.v2.jsonl', 'esb-test-echo-00000001'], t)).toBe(0);
    const text = t.outLines.join('\n');
    expect(text).toContain('readying → running');
    expect(text).toContain('createContainer ✓');
    expect(text).toMatch(/destroying\.removing → destroyed {2}\(final\)$/m);
    expect(t.errLines).toEqual([]);
  });
});
