/**
 * Turns journal entries (JSONL, `{v, seq, ts, actor, kind:'spawn'|'event'|'state'|'shutdown', …}`,
 * docs/journal.md) into a human-readable timeline, one line per entry:
 *
 *   2026-11-28 10:07:58.212  #12    esb-obs-hello-00000001   state     pulling → creating
 *
 * `state` entries that repeat the actor's previous state (the recorder writes one after every
 * event) are left out; step outcomes read `createContainer ✓` / `createContainer ✗`. Tolerant by
 * design: unknown kinds and extra fields are shown, not rejected, so an old or newer journal still
 * reads. Pure apart from the per-actor "previous state" it keeps.
 */
import { eventLabel } from './machine-graph.js';

export interface JournalEntry {
  v: number;
  seq: number;
  /** Epoch ms or an ISO string. */
  ts: number | string;
  actor: string;
  kind: string;
  [field: string]: unknown;
}

/** Parses one JSONL line. Returns undefined for blank lines. @throws SyntaxError on bad JSON or a non-entry. */
export function parseJournalLine(line: string): JournalEntry | undefined {
  if (line.trim() === '') return undefined;
  const raw = JSON.parse(line) as Partial<JournalEntry> | null;
  if (!raw || typeof raw !== 'object' || typeof raw.kind !== 'string' || typeof raw.actor !== 'string') {
    throw new SyntaxError('not a journal entry (needs "kind" and "actor")');
  }
  return { v: 1, seq: 0, ts: 0, ...raw } as JournalEntry;
}

/** Whether `entry` concerns the worker `id` (actor `id`, `worker:id`, `…/id`, or a spawn of it). Pure. */
export function entryMatches(entry: JournalEntry, id: string): boolean {
  const a = entry.actor;
  if (a === id || a.endsWith(`:${id}`) || a.endsWith(`/${id}`)) return true;
  const spec = (entry.input as { spec?: { name?: string } } | undefined)?.spec ?? (entry.spec as { name?: string } | undefined);
  return spec?.name === id || (entry.name as string | undefined) === id || (entry.containerId as string | undefined) === id;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `HH:MM:SS.mmm` (UTC) for the same day, else `YYYY-MM-DD HH:MM:SS.mmm`. Pure. */
export function formatTs(ts: number | string, utc = true): string {
  const d = new Date(typeof ts === 'number' ? ts : Date.parse(ts));
  if (Number.isNaN(d.getTime())) return String(ts);
  const [y, mo, da, h, mi, s, ms] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  return `${y}-${pad(mo)}-${pad(da)} ${pad(h)}:${pad(mi)}:${pad(s)}.${pad(ms, 3)}`;
}

const stateText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [k, v] = Object.entries(value)[0] ?? [];
    return k === undefined ? '' : `${k}.${stateText(v)}`.replace(/\.$/, '');
  }
  return String(value ?? '?');
};

/** Compact `k=v` list of an object's scalar fields (strings quoted when they contain spaces). */
function fields(obj: Record<string, unknown>, skip: readonly string[] = []): string {
  return Object.entries(obj)
    .filter(([k, v]) => !skip.includes(k) && v !== undefined && (typeof v !== 'object' || v === null))
    .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

function detail(e: JournalEntry, prev: Map<string, string>): string | undefined {
  switch (e.kind) {
    case 'spawn': {
      const input = (e.input ?? {}) as { spec?: Record<string, unknown>; origin?: string };
      const spec = input.spec ?? {};
      return [`spawned (${input.origin ?? 'created'})`, fields(spec, ['env', 'labels', 'name'])].filter(Boolean).join('  ');
    }
    case 'event': {
      const ev = (e.event ?? {}) as Record<string, unknown>;
      const err = (ev.error ?? (ev.output as { error?: unknown } | undefined)?.error) as { code?: string; message?: string } | undefined;
      // A step's output (`step.done.createContainer` → containerId=…) reads like the event's own fields.
      const output = ev.output !== null && typeof ev.output === 'object' ? fields(ev.output as Record<string, unknown>) : '';
      const rest = [fields(ev, ['type', 'requestId', 'actorId']), output].filter(Boolean).join(' ');
      return [eventLabel(String(ev.type ?? '?')), rest, err?.code ? `error=${err.code}: ${err.message ?? ''}` : ''].filter(Boolean).join('  ');
    }
    case 'state': {
      const to = stateText(e.value ?? e.state);
      const actor = e.actor.replace(/^worker:/, '');
      const from = prev.get(actor);
      if (from === to) return undefined;
      prev.set(actor, to);
      const final = e.status === 'done' ? '  (final)' : e.status && e.status !== 'active' ? `  (${String(e.status)})` : '';
      return `${from ? `${from} → ${to}` : `→ ${to}`}${final}`;
    }
    case 'shutdown':
      return ['stopped by agent shutdown', fields(e, ['v', 'seq', 'ts', 'actor', 'kind'])].filter(Boolean).join('  ');
    default:
      return fields(e, ['v', 'seq', 'ts', 'actor', 'kind']);
  }
}

export interface Timeline {
  /** One formatted line for `entry`, or undefined for a `state` entry that changes nothing. */
  format(entry: JournalEntry): string | undefined;
}

/** A formatter that remembers each actor's last state so `state` lines read `from → to`. */
export function createTimeline(opts: { utc?: boolean } = {}): Timeline {
  const prev = new Map<string, string>();
  return {
    format(e) {
      const text = detail(e, prev);
      if (text === undefined) return undefined;
      const actor = e.actor.replace(/^worker:/, '');
      return `${formatTs(e.ts, opts.utc ?? true)}  #${String(e.seq).padEnd(5)} ${actor.padEnd(32)} ${e.kind.padEnd(9)} ${text}`.trimEnd();
    },
  };
}
