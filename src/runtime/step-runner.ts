/**
 * The worker machine's `steps` actor: one per worker, for its whole life. The machine sends it
 * `step.run` on entering a step state; it runs that step's function with an AbortSignal and sends
 * back `step.done.<step>` (with the output) or `step.failed.<step>` (with JSON-safe ErrorData).
 *
 * - One step at a time: a new `step.run` supersedes the step in flight (its signal aborts and its
 *   outcome is dropped); `step.cancel` aborts it without a successor; stopping the actor (the
 *   worker reached a final state or was stopped) aborts it too.
 * - A step that ended on its own leaves its signal un-aborted; the next step reuses it.
 * - A step function that throws synchronously fails its step like one that rejects.
 * - Progress events a step reports (`pull.progress`) are sent back as they come, while the step
 *   is still the current one.
 *
 * One actor per worker rather than one invoked actor per step: at 10,000 workers × 7 steps the
 * per-actor cost of XState (creation, registration, snapshots) dominated the lifecycle.
 */
import { fromCallback } from 'xstate';
import { toErrorData } from '../machines/worker-context.js';
import type {
  StepCommand, StepInputs, StepName, StepOutputs, WorkerPullEvent,
} from '../machines/worker-types.js';

/** What a step function gets besides its input. */
export interface StepContext {
  /** Aborts when the step is superseded, cancelled, or the worker actor stops. */
  signal: AbortSignal;
  /** Sends a progress event back to the worker (dropped once the step is no longer current). */
  report(event: WorkerPullEvent): void;
}

/** The step functions of a worker, by step name. */
export type StepFunctions = {
  [K in StepName]: (input: StepInputs[K], ctx: StepContext) => Promise<StepOutputs[K]>;
};

/** Builds the `steps` actor logic for `workerMachine.provide({ actors: { steps } })`. */
export function fromSteps(fns: StepFunctions) {
  return fromCallback<StepCommand>(({ receive, sendBack }) => {
    /** The step in flight (undefined when none). */
    let current: object | undefined;
    /**
     * The signal's controller, reused by the next step while nothing aborted it (one AbortSignal
     * per worker in the common case instead of one per step: they are costly EventTargets).
     */
    let controller: AbortController | undefined;
    const abort = (): void => {
      if (current === undefined) return;
      current = undefined;
      const ac = controller;
      controller = undefined;
      ac?.abort();
    };
    receive((cmd) => {
      abort();
      if (cmd.type !== 'step.run') return;
      const ac = (controller ??= new AbortController());
      const token = {};
      current = token;
      const step = cmd.step;
      const ctx: StepContext = { signal: ac.signal, report: (e) => { if (current === token) sendBack(e); } };
      let work: Promise<unknown>;
      try {
        work = (fns[step] as (input: unknown, c: StepContext) => Promise<unknown>)(cmd.input, ctx);
      } catch (err) {
        work = Promise.reject(err);
      }
      work.then(
        (output) => {
          if (current !== token) return;
          current = undefined;
          sendBack({ type: `step.done.${step}`, output });
        },
        (err: unknown) => {
          if (current !== token) return;
          current = undefined;
          sendBack({ type: `step.failed.${step}`, error: toErrorData(err, step) });
        },
      );
    });
    return abort;
  });
}
