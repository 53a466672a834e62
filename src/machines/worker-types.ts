/**
 * The worker machine's vocabulary: its input, context, the events it accepts (the journal's
 * vocabulary) and the JSON-safe view the server maps to replies. Pure types, no I/O.
 */
import type { ErrorData } from '../errors.js';
import type {
  ContainerStatus, CreatedContainer, NetworkAttachment, PullProgress, WorkerSpec,
} from '../runtime/container-runtime.js';

/** Where a worker came from. */
export type WorkerOrigin = 'created' | 'adopted';

/** What the supervisor gives a new worker actor. Times are epoch ms, supplied from outside. */
export interface WorkerInput {
  spec: WorkerSpec;
  /** Order of network setup vs start, from the runtime (`RuntimeInfo.networkPhase`). */
  networkPhase: 'beforeStart' | 'afterStart';
  /** Grace between SIGTERM and SIGKILL on destroy. */
  stopGraceMs: number;
  /**
   * Whether a readiness check (`waitReady`) is configured. `false` skips `readying` (no actor is
   * invoked for a step with nothing to do). @default true
   */
  readiness?: boolean | undefined;
  createdAt: number;
  origin: WorkerOrigin;
  /** For adopted workers: what the runtime reported at adoption. */
  adopted?: {
    containerId: string;
    status: ContainerStatus;
    ipAddress?: string | undefined;
    exitCode?: number | undefined;
  } | undefined;
}

/** Resources a worker may hold; set when the step that makes them is entered. */
export interface HeldResources {
  container: boolean;
  network: boolean;
  started: boolean;
}

export interface CommandResult {
  requestId: string;
  type: 'pause' | 'resume' | 'destroy';
  ok: boolean;
  error?: ErrorData | undefined;
}

export interface WorkerContext {
  spec: WorkerSpec;
  networkPhase: 'beforeStart' | 'afterStart';
  stopGraceMs: number;
  /** Set (only) when the input says no readiness check is configured: `readying` is skipped. */
  skipReady?: true | undefined;
  origin: WorkerOrigin;
  /** For adopted workers: the runtime status at adoption (selects the first state). */
  adoptedStatus?: ContainerStatus | undefined;
  /** The wire `container_id` (Docker id or the name); '' until created. */
  containerId: string;
  ipAddress: string;
  port: number;
  createdAt: number;
  lastUsedAt: number;
  held: HeldResources;
  pull?: PullProgress | undefined;
  /** The error that failed the worker, or the last failed command. */
  error?: ErrorData | undefined;
  /** The error of the last failed release (teardown/stop/remove); set in `releaseFailed`. */
  releaseError?: ErrorData | undefined;
  /** The pause/resume in flight (set on entering pausing/resuming). */
  pendingCommand?: { requestId: string; type: 'pause' | 'resume'; at: number } | undefined;
  exitCode?: number | undefined;
  exitedAt?: number | undefined;
  oomKilled: boolean;
  /** Outcome of the last pause/resume/destroy command, matched by requestId. */
  lastCommand?: CommandResult | undefined;
  /** Pending destroy request ids to answer when destruction finishes. */
  destroyRequests: string[];
}

/** Events the outside world sends to a worker. `at` is epoch ms from the sender's clock. */
export type WorkerCommandEvent =
  | { type: 'worker.destroy'; requestId: string; at: number }
  | { type: 'worker.pause'; requestId: string; at: number }
  | { type: 'worker.resume'; requestId: string; at: number }
  /** An invocation started: updates last_used_at. */
  | { type: 'worker.touch'; at: number };

/** Events that come from the runtime's event stream. */
export type WorkerRuntimeEvent =
  | { type: 'runtime.exited'; exitCode: number; at: number }
  | { type: 'runtime.oom'; at: number };

/** Progress the pull step reports while it runs (only `pulling` accepts it). */
export type WorkerPullEvent = { type: 'pull.progress'; doneBytes: number; totalBytes: number };

/** Inputs of the worker's steps, by step name. */
export interface StepInputs {
  pullImage: PullInput;
  createContainer: CreateInput;
  setupNetwork: NameInput;
  startContainer: NameInput;
  waitReady: ReadyInput;
  pauseContainer: NameInput;
  resumeContainer: NameInput;
  teardownNetwork: NameInput;
  stopContainer: StopInput;
  removeContainer: NameInput;
}

/** Outputs of the worker's steps, by step name. */
export interface StepOutputs {
  pullImage: { pulled: boolean };
  createContainer: CreatedContainer;
  setupNetwork: NetworkAttachment;
  startContainer: void;
  waitReady: void;
  pauseContainer: void;
  resumeContainer: void;
  teardownNetwork: void;
  stopContainer: void;
  removeContainer: void;
}

/** The side-effecting steps a worker asks its `steps` actor to run. */
export type StepName = keyof StepInputs;

/**
 * What the machine sends its `steps` actor: run one step (a new command supersedes the one in
 * flight, whose signal aborts and whose outcome is dropped), or cancel the step in flight.
 */
export type StepCommand =
  | { [K in StepName]: { type: 'step.run'; step: K; input: StepInputs[K] } }[StepName]
  | { type: 'step.cancel' };

/** How a step ended, sent back by the `steps` actor: `step.done.<step>` / `step.failed.<step>`. */
export type WorkerStepEvent =
  | { [K in StepName]: { type: `step.done.${K}`; output: StepOutputs[K] } }[StepName]
  | { type: `step.failed.${StepName}`; error: ErrorData };

export type WorkerEvent = WorkerCommandEvent | WorkerRuntimeEvent | WorkerPullEvent | WorkerStepEvent;

/** Wire-facing view of a worker (what List/Ensure/Metrics/Invoke need), derived from a snapshot. */
export interface WorkerView {
  name: string;
  containerId: string;
  functionName: string;
  ownerId: string;
  image: string;
  /** The machine state as a dotted path, e.g. `destroying.stopping`. */
  state: string;
  /** Wire status: RUNNING / PAUSED / STOPPED / UNKNOWN. */
  status: ContainerStatus;
  ipAddress: string;
  port: number;
  createdAt: number;
  lastUsedAt: number;
  origin: WorkerOrigin;
  error?: ErrorData | undefined;
  pull?: PullProgress | undefined;
  exitCode?: number | undefined;
}

/** Inputs of the steps. */
export interface NameInput { name: string }
export interface PullInput { image: string; name: string }
export interface CreateInput { spec: WorkerSpec }
export interface ReadyInput { name: string; ipAddress: string; port: number }
export interface StopInput { name: string; graceMs: number }
