/**
 * Folds the XState inspection stream of the actor system into what observability needs:
 * worker state changes (transitions counter, phase-duration histograms, pulls in flight and
 * pulled bytes), a bounded per-worker activity log for the page, and live row changes for the
 * page's update stream. It is the system's `inspect` observer, so it must stay cheap: one Map
 * lookup per inspection event of a non-worker actor, no serialisation, and row objects are only
 * built while someone listens. Time comes from the injected `now` (epoch ms).
 */
import type { InspectionEvent } from 'xstate';
import type { WorkerContext, WorkerView } from '../machines/worker-types.js';
import type { AgentMetrics, LifecyclePhase } from './metrics.js';
import { RingBuffer } from './ring-buffer.js';

/** One line of a worker's recent activity. */
export interface ActivityRecord {
  seq: number;
  /** Epoch ms. */
  at: number;
  kind: 'event' | 'transition';
  /** The event type (for a transition, the event that caused it). */
  type: string;
  from?: string | undefined;
  to?: string | undefined;
}

/** What the page lists for a worker (the WorkerView fields it shows). */
export type WorkerRow = Pick<WorkerView, 'name' | 'containerId' | 'functionName' | 'ownerId' | 'image' | 'state' | 'ipAddress' | 'createdAt' | 'lastUsedAt'>;

export type TrackerChange =
  | { kind: 'worker'; op: 'added' | 'changed'; row: WorkerRow }
  | { kind: 'worker'; op: 'removed'; name: string; state: string }
  | { kind: 'activity'; name: string; record: ActivityRecord };

export interface WorkerTrackerOptions {
  metrics?: AgentMetrics | undefined;
  /** Epoch ms. @default Date.now */
  now?: (() => number) | undefined;
  /** Activity records kept per worker. @default 100 */
  ringSize?: number | undefined;
  /** Activity logs of finished workers kept (oldest dropped first). @default 200 */
  retainFinished?: number | undefined;
  /** Which actors are workers. @default machine id `worker` */
  isWorker?: ((ref: InspectedRef) => boolean) | undefined;
}

export interface WorkerTracker {
  /** The inspection observer: pass as `inspect` or to `system.inspect()`. Never throws. */
  readonly inspect: (event: InspectionEvent) => void;
  /** Recent activity of a worker, oldest first (empty when unknown). */
  recent(name: string): ActivityRecord[];
  /** Live changes; returns unsubscribe. */
  subscribe(listener: (change: TrackerChange) => void): () => void;
}

const PHASES: Readonly<Record<string, LifecyclePhase>> = {
  pulling: 'pull', creating: 'create', netSetup: 'netSetup', starting: 'start', readying: 'ready',
  pausing: 'pause', resuming: 'resume', destroying: 'destroy', rollback: 'rollback',
};

interface Session {
  name: string;
  state: string;
  phaseSince: number;
  context: WorkerContext | undefined;
  pulledBytes: number;
}

/** The parts of an actor ref the tracker reads. */
export interface InspectedRef {
  sessionId: string;
  id?: string;
  logic?: unknown;
  getSnapshot(): unknown;
}

const defaultIsWorker = (ref: InspectedRef): boolean => (ref.logic as { id?: string } | undefined)?.id === 'worker';

/** Dotted path of a state value (`{destroying: 'network'}` → `destroying.network`). Pure. */
export function stateToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [key, child] = Object.entries(value)[0] ?? [];
    if (key === undefined) return '';
    const rest = stateToString(child);
    return rest ? `${key}.${rest}` : key;
  }
  return '';
}

/** Builds the page row from a worker's context. Pure. */
export function rowOf(ctx: WorkerContext, state: string): WorkerRow {
  return {
    name: ctx.spec.name, containerId: ctx.containerId, functionName: ctx.spec.functionName,
    ownerId: ctx.spec.ownerId, image: ctx.spec.image, state, ipAddress: ctx.ipAddress,
    createdAt: ctx.createdAt, lastUsedAt: ctx.lastUsedAt,
  };
}

/** Creates a tracker. Pure apart from calling the metrics and listeners it is given. */
export function createWorkerTracker(opts: WorkerTrackerOptions = {}): WorkerTracker {
  const now = opts.now ?? Date.now;
  const isWorker = opts.isWorker ?? defaultIsWorker;
  const ringSize = opts.ringSize ?? 100;
  const retain = opts.retainFinished ?? 200;
  const metrics = opts.metrics;
  // Keyed by the actor object, so finished actors (and their invoked children) are collected.
  const verdict = new WeakMap<object, Session | null>();
  const logs = new Map<string, RingBuffer<ActivityRecord>>();
  const finished: string[] = [];
  const listeners = new Set<(change: TrackerChange) => void>();
  let seq = 0;
  let pulling = 0;

  const emit = (change: TrackerChange): void => {
    for (const l of listeners) {
      try { l(change); } catch { /* a listener must not break the actor system */ }
    }
  };
  const log = (name: string, record: Omit<ActivityRecord, 'seq'>): void => {
    let ring = logs.get(name);
    if (!ring) logs.set(name, (ring = new RingBuffer(ringSize)));
    const full: ActivityRecord = { seq: ++seq, ...record };
    const prev = ring.last();
    // Pull progress arrives many times a second; keep one line for a run of them.
    if (prev && prev.kind === 'event' && prev.type === record.type && record.type === 'pull.progress') {
      ring.replaceLast(full);
    } else ring.push(full);
    if (listeners.size > 0) emit({ kind: 'activity', name, record: full });
  };

  const sessionOf = (ref: InspectedRef): Session | null => {
    const known = verdict.get(ref);
    if (known !== undefined) return known;
    if (!isWorker(ref)) {
      verdict.set(ref, null);
      return null;
    }
    const ctx = (ref.getSnapshot() as { context?: WorkerContext } | undefined)?.context;
    const session: Session = { name: ctx?.spec.name ?? ref.id ?? ref.sessionId, state: '', phaseSince: now(), context: undefined, pulledBytes: 0 };
    verdict.set(ref, session);
    return session;
  };

  const onPhaseChange = (s: Session, fromTop: string, toTop: string, at: number): void => {
    const phase = PHASES[fromTop];
    if (phase && metrics) metrics.phaseObserved(phase, (at - s.phaseSince) / 1000);
    s.phaseSince = at;
    if (fromTop === 'pulling') pulling--;
    if (toTop === 'pulling') pulling++;
    if ((fromTop === 'pulling') !== (toTop === 'pulling')) metrics?.pullsInFlight(pulling);
  };

  const onSnapshot = (ref: InspectedRef, s: Session, snap: { value?: unknown; status?: string; context?: WorkerContext }, eventType: string): void => {
    const at = now();
    const state = stateToString(snap.value);
    const ctx = snap.context;
    if (ctx && ctx.pull && ctx.pull.doneBytes > s.pulledBytes) {
      metrics?.pullBytes(ctx.pull.doneBytes - s.pulledBytes);
      s.pulledBytes = ctx.pull.doneBytes;
    }
    const from = s.state;
    if (state !== from) {
      metrics?.workerTransition(from || 'none', state);
      const fromTop = from.split('.')[0] ?? '';
      const toTop = state.split('.')[0] ?? '';
      if (fromTop !== toTop) onPhaseChange(s, fromTop, toTop, at);
      s.state = state;
      log(s.name, { at, kind: 'transition', type: eventType, from: from || undefined, to: state });
    }
    const changed = state !== from || ctx !== s.context;
    s.context = ctx;
    if (snap.status !== undefined && snap.status !== 'active') {
      finish(ref, s);
      return;
    }
    if (changed && listeners.size > 0 && ctx) emit({ kind: 'worker', op: from ? 'changed' : 'added', row: rowOf(ctx, state) });
  };

  const finish = (ref: InspectedRef, s: Session): void => {
    verdict.set(ref, null);
    if (s.state.split('.')[0] === 'pulling') onPhaseChange(s, 'pulling', '', now());
    finished.push(s.name);
    while (finished.length > retain) logs.delete(finished.shift() as string);
    if (listeners.size > 0) emit({ kind: 'worker', op: 'removed', name: s.name, state: s.state });
  };

  const inspect = (ev: InspectionEvent): void => {
    if (ev.type !== '@xstate.snapshot' && ev.type !== '@xstate.event') return;
    try {
      const ref = ev.actorRef as unknown as InspectedRef;
      const s = sessionOf(ref);
      if (!s) return;
      if (ev.type === '@xstate.event') {
        const type = ev.event.type;
        if (type !== 'xstate.init' && !type.startsWith('step.')) {
          log(s.name, { at: now(), kind: 'event', type });
        }
        return;
      }
      onSnapshot(ref, s, ev.snapshot as { value?: unknown; status?: string; context?: WorkerContext }, ev.event.type);
    } catch { /* observability must never break the actor system */ }
  };

  return {
    inspect,
    recent: (name) => logs.get(name)?.toArray() ?? [],
    subscribe(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
  };
}
