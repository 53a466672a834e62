import { describe, expect, it } from 'vitest';
import { createTimeline, entryMatches, formatTs, parseJournalLine } from '../../src/observability/journal-timeline.js';

const W = 'esb-obs-hello-00000001';
const entries = [
  { v: 2, seq: 1, ts: Date.UTC(2026, 10, 28, 10, 0, 0, 5), actor: `worker:${W}`, kind: 'spawn', input: { origin: 'created', spec: { name: W, functionName: 'hello', image: 'esb/hello:latest', ownerId: 'gw', env: { A: '1' } } } },
  { v: 2, seq: 2, ts: Date.UTC(2026, 10, 28, 10, 0, 0, 6), actor: `worker:${W}`, kind: 'state', value: 'pulling' },
  { v: 2, seq: 3, ts: Date.UTC(2026, 10, 28, 10, 0, 0, 40), actor: `worker:${W}`, kind: 'event', event: { type: 'step.done.pullImage', output: { pulled: true } } },
  { v: 2, seq: 4, ts: Date.UTC(2026, 10, 28, 10, 0, 0, 41), actor: `worker:${W}`, kind: 'state', value: 'creating' },
  { v: 2, seq: 5, ts: Date.UTC(2026, 10, 28, 10, 0, 1, 0), actor: W, kind: 'state', state: { destroying: 'network' }, status: 'active' },
  { v: 2, seq: 6, ts: Date.UTC(2026, 10, 28, 10, 0, 2, 0), actor: 'other', kind: 'shutdown' },
  { v: 2, seq: 7, ts: Date.UTC(2026, 10, 28, 10, 0, 2, 1), actor: W, kind: 'event', event: { type: 'step.done.removeContainer' } },
  { v: 2, seq: 8, ts: Date.UTC(2026, 10, 28, 10, 0, 2, 2), actor: W, kind: 'state', state: { destroying: 'network' }, status: 'active' },
  { v: 2, seq: 9, ts: Date.UTC(2026, 10, 28, 10, 0, 2, 3), actor: W, kind: 'state', state: 'destroyed', status: 'done' },
];

describe('journal timeline', () => {
  it('formats spawn, event, state (from → to) and shutdown lines', () => {
    const t = createTimeline();
    const lines = entries.map((e) => t.format(parseJournalLine(JSON.stringify(e))!));
    expect(lines[0]).toMatch(/^2026-11-28 10:00:00\.005  #1 +esb-obs-hello-00000001 +spawn +spawned \(created\)  functionName=hello image=esb\/hello:latest ownerId=gw$/);
    expect(lines[1]).toContain('state     → pulling');
    expect(lines[2]).toContain('event     pullImage ✓  pulled=true');
    expect(lines[3]).toContain('pulling → creating');
    expect(lines[4]).toContain('creating → destroying.network');
    expect(lines[5]).toContain('stopped by agent shutdown');
    expect(lines[6]).toContain('event     removeContainer ✓');
    expect(lines[7]).toBeUndefined();
    expect(lines[8]).toContain('destroying.network → destroyed  (final)');
    expect(lines[0]).not.toContain('A=1');
  });

  it('matches entries of one worker by actor or spawned spec', () => {
    const e = parseJournalLine(JSON.stringify(entries[0]))!;
    expect(entryMatches(e, W)).toBe(true);
    expect(entryMatches({ ...e, actor: W }, W)).toBe(true);
    expect(entryMatches(parseJournalLine(JSON.stringify(entries[5]))!, W)).toBe(false);
    expect(entryMatches(parseJournalLine(JSON.stringify(entries[6]))!, W)).toBe(true);
  });

  it('rejects lines that are not entries and skips blank ones', () => {
    expect(parseJournalLine('  ')).toBeUndefined();
    expect(() => parseJournalLine('{"x":1}')).toThrow(SyntaxError);
    expect(() => parseJournalLine('{oops')).toThrow(SyntaxError);
    expect(formatTs('2026-11-28T10:00:00.000Z')).toBe('2026-11-28 10:00:00.000');
  });
});
