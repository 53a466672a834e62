/**
 * Pure replay of a journal through the worker machine: for each actor, start from the recorded
 * input with `initialTransition(machine, input)`, fold the recorded events with
 * `transition(machine, snapshot, event)` and compare the state value after each one with the
 * recorded `state` entry. No actor runs; invoked actors are never started.
 */
import { initialTransition, transition, type StateValue } from 'xstate';
import { workerMachine, type WorkerMachine, type WorkerSnapshot } from '../machines/worker-machine.js';
import type { WorkerEvent, WorkerInput } from '../machines/worker-types.js';
import { statePath } from '../machines/worker-view.js';
import { parseJournal, type JournalEntry } from './journal-entry.js';

/** The replayed machine disagreed with the journal. */
export class JournalDivergenceError extends Error {
  override readonly name = 'JournalDivergenceError';
  constructor(
    readonly actor: string,
    readonly seq: number,
    /** The recorded state (dotted path), or a description of what the journal expected. */
    readonly expected: string,
    /** The replayed state (dotted path). */
    readonly actual: string,
    /** The event after which they differ (undefined after spawn). */
    readonly event: { type: string } | undefined,
  ) {
    super([
      `journal diverged at seq ${seq} (actor ${actor})`,
      `  after: ${event ? JSON.stringify(event) : 'spawn (xstate.init)'}`,
      `  expected state: ${expected}`,
      `  actual state:   ${actual}`,
    ].join('\n'));
  }
}

export interface ReplayOk {
  ok: true;
  /** Actors replayed. */
  actors: number;
  /** Events folded (spawns included). */
  events: number;
  /** Entries missing according to seq (dropped by a full buffer). */
  gaps: number;
}

export interface ReplayDivergence {
  ok: false;
  actors: number;
  events: number;
  gaps: number;
  divergence: JournalDivergenceError;
}

export type ReplayResult = ReplayOk | ReplayDivergence;

interface ActorReplay {
  snap: WorkerSnapshot;
  last: { type: string } | undefined;
  ended: boolean;
}

/**
 * Replays parsed entries. Pure. Returns a divergence instead of throwing (use
 * {@link assertReplay} to throw).
 */
export function replayEntries(entries: readonly JournalEntry[], machine: WorkerMachine = workerMachine): ReplayResult {
  const actors = new Map<string, ActorReplay>();
  let events = 0;
  let gaps = 0;
  let prevSeq: number | undefined;
  for (const e of entries) {
    if (prevSeq !== undefined && e.seq > prevSeq + 1) gaps += e.seq - prevSeq - 1;
    prevSeq = e.seq;
    const divergence = step(machine, actors, e);
    if (divergence) return { ok: false, actors: actors.size, events, gaps, divergence };
    if (e.kind === 'spawn' || e.kind === 'event') events += 1;
  }
  return { ok: true, actors: actors.size, events, gaps };
}

function step(machine: WorkerMachine, actors: Map<string, ActorReplay>, e: JournalEntry): JournalDivergenceError | undefined {
  const cur = actors.get(e.actor);
  if (e.kind === 'spawn') {
    const [snap] = initialTransition(machine, e.input as unknown as WorkerInput);
    actors.set(e.actor, { snap, last: undefined, ended: false });
    return undefined;
  }
  if (!cur) return new JournalDivergenceError(e.actor, e.seq, 'a spawn entry first', `${e.kind} entry`, e.event);
  if (e.kind === 'shutdown') {
    cur.ended = true;
    return undefined;
  }
  if (e.kind === 'event') {
    if (cur.ended) return new JournalDivergenceError(e.actor, e.seq, 'no event after shutdown', statePath(cur.snap.value), e.event);
    [cur.snap] = transition(machine, cur.snap, e.event as unknown as WorkerEvent);
    cur.last = e.event;
    return undefined;
  }
  const expected = statePath(e.state as StateValue);
  const actual = statePath(cur.snap.value);
  if (expected !== actual) return new JournalDivergenceError(e.actor, e.seq, expected, actual, cur.last);
  if (e.status !== undefined && e.status !== cur.snap.status) {
    return new JournalDivergenceError(e.actor, e.seq, `${expected} (${e.status})`, `${actual} (${cur.snap.status})`, cur.last);
  }
  return undefined;
}

/** Parses JSONL and replays it. Pure. @throws JournalFormatError for malformed lines. */
export function replayJournal(text: string, machine: WorkerMachine = workerMachine): ReplayResult {
  return replayEntries(parseJournal(text), machine);
}

/** Like {@link replayJournal} but throws the {@link JournalDivergenceError}. */
export function assertReplay(text: string, machine: WorkerMachine = workerMachine): ReplayOk {
  const r = replayJournal(text, machine);
  if (!r.ok) throw r.divergence;
  return r;
}

/** "replay ok (N actors, M events)" or the divergence report. Pure. */
export function formatReplayResult(r: ReplayResult): string {
  const gaps = r.gaps > 0 ? `; WARNING: ${r.gaps} entries missing (seq gaps)` : '';
  if (r.ok) return `replay ok (${r.actors} actors, ${r.events} events${gaps})`;
  return `replay FAILED (${r.actors} actors, ${r.events} events before the divergence${gaps})\n${r.divergence.message}`;
}

/** The state paths recorded for each actor, in order (for tests and reports). Pure. */
export function recordedStates(entries: readonly JournalEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entries) {
    if (e.kind !== 'state') continue;
    const list = out.get(e.actor) ?? [];
    list.push(statePath(e.state as StateValue));
    out.set(e.actor, list);
  }
  return out;
}
