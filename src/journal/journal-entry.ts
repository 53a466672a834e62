/**
 * The journal's entry type (JSON lines, versioned) and its JSON-safe encoding. Pure.
 *
 * One line per entry: `{"v":2,"seq":7,"ts":1700000000123,"actor":"esb-dev-fn-0a1b2c3d","kind":"event","event":{…}}`.
 * - `spawn`: the actor started (`xstate.init`); `input` is its WorkerInput (env values redacted).
 * - `event`: an event the actor processed, in processing order (commands, runtime events,
 *   pull progress, and the steps' outcomes `step.done.<step>` / `step.failed.<step>`).
 * Version 2: step outcomes are `step.done/failed.<step>` (version 1 had one invoked actor per
 * step and recorded `xstate.done.actor.<step>` / `xstate.error.actor.<step>`).
 * - `state`: the actor's state value (and status) right after the preceding spawn/event.
 * - `shutdown`: the actor was stopped without reaching a final state (agent shutdown).
 */
export const JOURNAL_VERSION = 2 as const;

export type JournalKind = 'spawn' | 'event' | 'state' | 'shutdown';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** An XState state value in JSON form (`"running"` or `{"destroying":"stopping"}`). */
export type JournalStateValue = string | { [key: string]: JournalStateValue };

export interface JournalEntry {
  v: typeof JOURNAL_VERSION;
  /** Increases by one per entry over the whole journal (a gap means dropped lines). */
  seq: number;
  /** Epoch ms from the recorder's injected clock. */
  ts: number;
  /** The worker actor's id (its name). */
  actor: string;
  kind: JournalKind;
  input?: JsonValue | undefined;
  event?: { type: string; [key: string]: JsonValue } | undefined;
  state?: JournalStateValue | undefined;
  /** Actor status with the state: active / done / error / stopped. */
  status?: string | undefined;
}

const MAX_DEPTH = 12;

/**
 * Converts any value to JSON-safe data: objects with `toJSON` (AgentError, Buffer, Date) use
 * it, other Errors become `{name, message}`, bigints become decimal strings, Uint8Arrays become
 * `{base64}`, functions/symbols/undefined are dropped, cycles and excessive depth become
 * `"[…]"`. Pure.
 */
export function toJsonSafe(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'string': case 'boolean': return value;
    case 'number': return Number.isFinite(value) ? value : String(value);
    case 'bigint': return value.toString();
    case 'undefined': case 'function': case 'symbol': return undefined;
    default: break;
  }
  const obj = value as object;
  if (depth >= MAX_DEPTH || seen.has(obj)) return '[…]';
  seen.add(obj);
  try {
    if (obj instanceof Uint8Array) return { base64: Buffer.from(obj).toString('base64') };
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
      return toJsonSafe((obj as { toJSON(): unknown }).toJSON(), depth + 1, seen);
    }
    if (obj instanceof Error) return { name: obj.name, message: obj.message };
    if (Array.isArray(obj)) return obj.map((v) => toJsonSafe(v, depth + 1, seen) ?? null);
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(obj)) {
      const safe = toJsonSafe(v, depth + 1, seen);
      if (safe !== undefined) out[k] = safe;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** One JSONL line (no trailing newline). Pure. */
export function formatEntry(entry: JournalEntry): string {
  return JSON.stringify(toJsonSafe(entry));
}

/** Thrown by {@link parseJournal} for a line that is not a v1 journal entry. */
export class JournalFormatError extends Error {
  override readonly name = 'JournalFormatError';
  constructor(readonly line: number, message: string) {
    super(`journal line ${line}: ${message}`);
  }
}

const KINDS: ReadonlySet<string> = new Set<JournalKind>(['spawn', 'event', 'state', 'shutdown']);

/** Parses JSONL text into entries (blank lines skipped). Pure. @throws JournalFormatError. */
export function parseJournal(text: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let e: Partial<JournalEntry>;
    try {
      e = JSON.parse(line) as Partial<JournalEntry>;
    } catch (err) {
      throw new JournalFormatError(i + 1, `not JSON (${(err as Error).message})`);
    }
    if (e.v !== JOURNAL_VERSION) throw new JournalFormatError(i + 1, `unsupported version ${String(e.v)} (expected ${JOURNAL_VERSION})`);
    if (typeof e.seq !== 'number' || typeof e.actor !== 'string' || !KINDS.has(String(e.kind))) {
      throw new JournalFormatError(i + 1, 'missing seq, actor or kind');
    }
    if (e.kind === 'event' && typeof e.event?.type !== 'string') throw new JournalFormatError(i + 1, 'event entry without event.type');
    entries.push(e as JournalEntry);
  });
  return entries;
}
