/**
 * Transition tables of the worker machine (RIE style): from each state, every external event
 * either leads to its target (or stays, when it only updates context) or is refused by
 * `snapshot.can()`. Pure: `initialTransition`/`transition`, no actor runs.
 */
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { statePath, workerMachine } from '../../src/machines/worker-machine.js';
import type { WorkerEvent } from '../../src/machines/worker-types.js';
import { done, ev, fail, input, paths, reach, type AnyWorkerEvent } from './worker-fixtures.js';

const X = 'refused';
type Row = [destroy: string, pause: string, resume: string, touch: string, exited: string, oom: string,
  progress: string, pullDone: string, pullFailed: string];
const EVENTS = [ev.destroy, ev.pause, ev.resume, ev.touch, ev.exited, ev.oom, ev.progress, ev.pullDone, ev.pullFailed];

const TABLE: Record<string, Row> = {
  pulling: ['destroyed', X, X, X, X, X, 'pulling', 'creating', 'failed'],
  creating: ['destroying.removing', X, X, X, X, X, X, X, X],
  netSetup: ['destroying.network', X, X, X, 'rollback.network', X, X, X, X],
  starting: ['destroying.network', X, X, X, 'rollback.network', X, X, X, X],
  readying: ['destroying.network', X, X, X, 'rollback.network', X, X, X, X],
  running: ['destroying.network', 'pausing', X, 'running', 'stopped', 'stopped', X, X, X],
  pausing: ['destroying.network', X, X, 'pausing', 'stopped', 'stopped', X, X, X],
  paused: ['destroying.network', X, 'resuming', 'paused', 'stopped', 'stopped', X, X, X],
  resuming: ['destroying.network', X, X, 'resuming', 'stopped', 'stopped', X, X, X],
  stopped: ['destroying.network', X, X, X, 'stopped', 'stopped', X, X, X],
  'destroying.network': ['destroying.network', X, X, X, X, X, X, X, X],
  'destroying.stopping': ['destroying.stopping', X, X, X, X, X, X, X, X],
  'destroying.removing': ['destroying.removing', X, X, X, X, X, X, X, X],
  'rollback.network': ['rollback.network', X, X, X, X, X, X, X, X],
  releaseFailed: ['destroying.network', X, X, X, X, X, X, X, X],
  destroyed: [X, X, X, X, X, X, X, X, X],
  failed: [X, X, X, X, X, X, X, X, X],
};

function outcome(from: AnyWorkerEvent[], event: WorkerEvent): string {
  const snap = reach(from);
  if (!snap.can(event)) return X;
  const [next] = transition(workerMachine, snap, event);
  return statePath(next.value);
}

describe('worker machine transition table', () => {
  for (const [state, row] of Object.entries(TABLE)) {
    it(`from ${state}, each external event leads to its target or is refused`, () => {
      expect(statePath(reach(paths[state]!).value)).toBe(state);
      const got = EVENTS.map((e) => outcome(paths[state]!, e));
      expect(Object.fromEntries(EVENTS.map((e, i) => [e.type, got[i]])))
        .toEqual(Object.fromEntries(EVENTS.map((e, i) => [e.type, row[i]])));
    });
  }
});

/** [from state, step event, expected state] for the invoked actors' done/error events. */
const STEPS: Array<[string, AnyWorkerEvent, string]> = [
  ['creating', done('createContainer', { containerId: 'c' }), 'netSetup'],
  ['creating', fail('createContainer'), 'rollback.removing'],
  ['creating', { type: 'step.failed.createContainer', error: { code: 'ALREADY_EXISTS', message: 'taken' } }, 'failed'],
  ['netSetup', done('setupNetwork', { ipAddress: '10.0.0.9' }), 'starting'],
  ['netSetup', fail('setupNetwork'), 'rollback.network'],
  ['starting', done('startContainer'), 'readying'],
  ['starting', fail('startContainer'), 'rollback.network'],
  ['readying', done('waitReady'), 'running'],
  ['readying', fail('waitReady'), 'rollback.network'],
  ['pausing', done('pauseContainer'), 'paused'],
  ['pausing', fail('pauseContainer'), 'running'],
  ['resuming', done('resumeContainer'), 'running'],
  ['resuming', fail('resumeContainer'), 'paused'],
  ['destroying.network', done('teardownNetwork'), 'destroying.stopping'],
  ['destroying.network', fail('teardownNetwork'), 'releaseFailed'],
  ['destroying.stopping', done('stopContainer'), 'destroying.removing'],
  ['destroying.stopping', fail('stopContainer'), 'releaseFailed'],
  ['destroying.removing', done('removeContainer'), 'destroyed'],
  ['destroying.removing', fail('removeContainer'), 'releaseFailed'],
  ['rollback.network', done('teardownNetwork'), 'rollback.stopping'],
  ['rollback.network', fail('teardownNetwork'), 'releaseFailed'],
];

describe('worker machine step outcomes', () => {
  for (const [state, event, target] of STEPS) {
    it(`goes from ${state} to ${target} on ${event.type}${'error' in event ? ' (error)' : ''}`, () => {
      const [next] = transition(workerMachine, reach(paths[state]!), event as WorkerEvent);
      expect(statePath(next.value)).toBe(target);
    });
  }

  it('runs starting before netSetup when the network phase is afterStart', () => {
    const inp = input({ networkPhase: 'afterStart' });
    const seq = [ev.pullDone, done('createContainer', { containerId: 'c' }), done('startContainer'),
      done('setupNetwork', { ipAddress: '172.17.0.5' }), done('waitReady')];
    const states = seq.map((_, i) => statePath(reach(seq.slice(0, i + 1), inp).value));
    expect(states).toEqual(['creating', 'starting', 'netSetup', 'readying', 'running']);
    expect(reach(seq, inp).context.ipAddress).toBe('172.17.0.5');
  });

  it('goes from the last create step straight to running when no readiness check is configured', () => {
    const before = [ev.pullDone, done('createContainer', { containerId: 'c' }), done('setupNetwork', { ipAddress: '10.0.0.9' }), done('startContainer')];
    const statesBefore = before.map((_, i) => statePath(reach(before.slice(0, i + 1), input({ readiness: false })).value));
    expect(statesBefore).toEqual(['creating', 'netSetup', 'starting', 'running']);
    const inp = input({ networkPhase: 'afterStart', readiness: false });
    const after = [ev.pullDone, done('createContainer', { containerId: 'c' }), done('startContainer'), done('setupNetwork', { ipAddress: '172.17.0.5' })];
    const statesAfter = after.map((_, i) => statePath(reach(after.slice(0, i + 1), inp).value));
    expect(statesAfter).toEqual(['creating', 'starting', 'netSetup', 'running']);
    expect(reach(after, inp).context.ipAddress).toBe('172.17.0.5');
    // The default keeps readying, and its context has no trace of the option.
    expect(statePath(reach(before).value)).toBe('readying');
    expect('skipReady' in reach(before).context).toBe(false);
  });

  it('starts adopted workers in running, paused or stopped with every resource held', () => {
    const adopt = (status: 'RUNNING' | 'PAUSED' | 'STOPPED' | 'UNKNOWN') =>
      reach([], input({ origin: 'adopted', adopted: { containerId: 'abc', status, ipAddress: '10.0.0.3' } }));
    expect(statePath(adopt('RUNNING').value)).toBe('running');
    expect(statePath(adopt('PAUSED').value)).toBe('paused');
    expect(statePath(adopt('STOPPED').value)).toBe('stopped');
    expect(statePath(adopt('UNKNOWN').value)).toBe('stopped');
    expect(adopt('RUNNING').context.held).toEqual({ container: true, network: true, started: true });
    expect(adopt('RUNNING').context.containerId).toBe('abc');
  });
});
