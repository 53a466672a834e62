/** Replays the journal fixtures through the worker machine; the mutated one must diverge. */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJournal } from '../../src/journal/journal-entry.js';
import { formatReplayResult, JournalDivergenceError, recordedStates, replayJournal } from '../../src/journal/replay.js';
import { mutate, recordScenario } from './scenarios.js';

const dir = new URL('../fixtures/journals/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');

/** The expected state sequence of each fixture's worker (duplicates from context-only events removed). */
const EXPECTED: Record<string, string[]> = {
  'happy-path': ['pulling', 'creating', 'netSetup', 'starting', 'readying', 'running',
    'destroying.network', 'destroying.stopping', 'destroying.removing', 'destroyed'],
  'pull-failure': ['pulling', 'failed'],
  'network-failure-rollback': ['pulling', 'creating', 'netSetup', 'rollback.network', 'rollback.removing', 'failed'],
  'pause-resume': ['pulling', 'creating', 'netSetup', 'starting', 'readying', 'running', 'pausing', 'paused', 'resuming',
    'running', 'destroying.network', 'destroying.stopping', 'destroying.removing', 'destroyed'],
  'destroy-during-create': ['pulling', 'creating', 'destroying.removing', 'destroyed'],
  'worker-exit': ['pulling', 'creating', 'netSetup', 'starting', 'readying', 'running', 'stopped',
    'destroying.network', 'destroying.stopping', 'destroying.removing', 'destroyed'],
};

const dedupe = (xs: string[]) => xs.filter((x, i) => x !== xs[i - 1]);

describe('journal replay', () => {
  it('has a fixture for every scenario', () => {
    const files = readdirSync(dir).filter((f) => !f.startsWith('mutated-'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).map((n) => `${n}.v2.jsonl`).sort());
  });

  for (const [name, states] of Object.entries(EXPECTED)) {
    it(`replays ${name}.v2.jsonl with the same state sequence`, () => {
      const text = read(`${name}.v2.jsonl`);
      const result = replayJournal(text);
      expect(formatReplayResult(result)).toMatch(/^replay ok \(1 actors, \d+ events\)$/);
      const recorded = [...recordedStates(parseJournal(text)).values()];
      expect(recorded.map(dedupe)).toEqual([states]);
    });
  }

  it('fails on the mutated journal with a readable divergence report', () => {
    const result = replayJournal(read('mutated-happy-path.v2.jsonl'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const d = result.divergence;
    expect(d).toBeInstanceOf(JournalDivergenceError);
    expect(d).toMatchObject({ expected: 'starting', actual: 'netSetup', event: { type: 'step.done.createContainer' } });
    const report = formatReplayResult(result);
    expect(report).toContain('replay FAILED');
    expect(report).toContain(`journal diverged at seq ${d.seq} (actor ${d.actor})`);
    expect(report).toContain('expected state: starting');
    expect(report).toContain('actual state:   netSetup');
  });

  it('matches the committed fixtures when the scenarios are recorded again (no drift)', async () => {
    for (const name of Object.keys(EXPECTED)) {
      const fresh = await recordScenario(name);
      expect(replayJournal(fresh).ok).toBe(true);
      expect(dedupe([...recordedStates(parseJournal(fresh)).values()][0]!)).toEqual(EXPECTED[name]);
    }
    expect(mutate(read('happy-path.v2.jsonl'))).toBe(read('mutated-happy-path.v2.jsonl'));
  });

  it('reports seq gaps as a warning', () => {
    const lines = read('happy-path.v2.jsonl').trim().split('\n');
    const withGap = lines.map((l) => l.replace(/"seq":(\d+)/, (_, n: string) => `"seq":${Number(n) > 5 ? Number(n) + 3 : n}`));
    const r = replayJournal(withGap.join('\n'));
    expect(r).toMatchObject({ ok: true, gaps: 3 });
    expect(formatReplayResult(r)).toContain('3 entries missing');
  });
});
