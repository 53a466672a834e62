/**
 * Builds journal entries from the XState inspection stream of the worker system. Pass
 * `recorder.inspect` as the supervisor's `inspect` option; one observer sees every worker.
 *
 * Uses `@xstate.snapshot` events only: each carries the event the actor just processed and the
 * resulting snapshot, so entries come out in processing order (an `@xstate.event` is emitted when
 * an event is queued, which can be before the previous one is processed).
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { formatEntry, JOURNAL_VERSION, toJsonSafe, type JournalEntry, type JournalKind, type JournalStateValue } from './journal-entry.js';

export interface RecorderOptions {
  /** Receives one JSONL line (no newline) per entry. Must not throw. */
  sink: (line: string) => void;
  /** Epoch ms. */
  now: () => number;
  /** Which actors are recorded. @default actors with a systemId and a parent (the workers) */
  isRecorded?: ((actor: AnyActorRef) => boolean) | undefined;
  /** Replace `input.spec.env` values with "[redacted]". @default true */
  redactEnv?: boolean | undefined;
}

export interface JournalRecorder {
  /** The inspection observer (give it to the supervisor / `createActor`). */
  inspect: (event: InspectionEvent) => void;
  /** Number of entries written. */
  readonly count: number;
}

const isWorker = (a: AnyActorRef): boolean => {
  const actor = a as unknown as { systemId?: unknown; _parent?: unknown };
  return typeof actor.systemId === 'string' && actor._parent !== undefined;
};

/** Creates a recorder. Pure apart from calling `sink` and `now`. */
export function createJournalRecorder(opts: RecorderOptions): JournalRecorder {
  const recorded = opts.isRecorded ?? isWorker;
  const redact = opts.redactEnv ?? true;
  let seq = 0;
  const write = (actor: string, kind: JournalKind, extra: Partial<JournalEntry>) => {
    seq += 1;
    opts.sink(formatEntry({ v: JOURNAL_VERSION, seq, ts: opts.now(), actor, kind, ...extra }));
  };
  return {
    inspect(ev: InspectionEvent) {
      if (ev.type !== '@xstate.snapshot') return;
      const actor = ev.actorRef as AnyActorRef;
      if (!recorded(actor)) return;
      const snap = ev.snapshot as { value?: unknown; status?: string };
      const event = ev.event;
      if (event.type === 'xstate.stop') {
        write(actor.id, 'shutdown', {});
        return;
      }
      if (event.type === 'xstate.init') {
        const input = (event as { input?: unknown }).input;
        write(actor.id, 'spawn', { input: toJsonSafe(redact ? redactInput(input) : input) ?? null });
      } else {
        write(actor.id, 'event', { event: toJsonSafe(event) as JournalEntry['event'] });
      }
      write(actor.id, 'state', { state: toJsonSafe(snap.value) as JournalStateValue, status: snap.status });
    },
    get count() {
      return seq;
    },
  };
}

/** A copy of a WorkerInput with env values replaced (keys kept). Pure. */
function redactInput(input: unknown): unknown {
  const spec = (input as { spec?: { env?: Record<string, string> } } | undefined)?.spec;
  if (!spec?.env) return input;
  const env = Object.fromEntries(Object.keys(spec.env).map((k) => [k, '[redacted]']));
  return { ...(input as object), spec: { ...spec, env } };
}
