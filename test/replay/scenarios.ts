/**
 * The journal fixture scenarios: each runs the real supervisor (real runtime actors and limiter)
 * on the simulated runtime with faults, recording the journal through the inspect stream.
 * Deterministic: injected clocks, counters for names and request ids, one worker at a time.
 */
import { createJournalRecorder } from '../../src/journal/recorder.js';
import { harness, request, until, type Harness } from '../machines/sim-harness.js';

export type Scenario = (h: Harness) => Promise<void>;

const swallow = (p: Promise<unknown>) => p.then(() => undefined, () => undefined);

export const SCENARIOS: Record<string, Scenario> = {
  'happy-path': async (h) => {
    const v = await h.sup.ensure(request());
    await h.sup.destroy(v.containerId, v.ownerId);
  },
  'pull-failure': async (h) => {
    h.runtime.failNext('ensureImage', { error: { code: 'NOT_FOUND', message: 'manifest unknown' } });
    await swallow(h.sup.ensure(request()));
    await until(() => h.sup.size === 0);
  },
  'network-failure-rollback': async (h) => {
    h.runtime.failNext('setupNetwork', { error: { code: 'RESOURCE_EXHAUSTED', message: 'no free address in pool' } });
    await swallow(h.sup.ensure(request()));
    await until(() => h.sup.size === 0);
  },
  'pause-resume': async (h) => {
    const v = await h.sup.ensure(request());
    const w = h.sup.lookup(v.containerId, v.ownerId);
    w.touch();
    await w.command('pause');
    await w.command('resume');
    await h.sup.destroy(v.containerId, v.ownerId);
  },
  'destroy-during-create': async (h) => {
    h.runtime.hang('create', { afterEffect: true });
    const p = swallow(h.sup.ensure(request()));
    await h.runtime.waitForHang('create');
    const name = h.sup.all()[0]!.name;
    await h.sup.destroy(name, 'owner-a');
    await p;
  },
  'worker-exit': async (h) => {
    const v = await h.sup.ensure(request());
    await h.runtime.exit(v.name, 2);
    await h.sup.destroy(v.containerId, v.ownerId);
  },
};

/** Runs one scenario and returns its journal text (JSONL, trailing newline). */
export async function recordScenario(name: string): Promise<string> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  const lines: string[] = [];
  let ts = 1_700_000_000_000;
  const recorder = createJournalRecorder({ sink: (l) => lines.push(l), now: () => ts++ });
  const h = harness({ inspect: recorder.inspect, runtime: { idStyle: 'docker' } });
  try {
    await scenario(h);
  } finally {
    await h.cleanup();
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The deliberately mutated copy of a journal: the first recorded `netSetup` state becomes
 * `starting` (as if the machine had skipped the network step). Pure.
 */
export function mutate(text: string): string {
  return text.replace('"state":"netSetup"', '"state":"starting"');
}
