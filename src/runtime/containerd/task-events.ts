/**
 * The `/tasks/exit` and `/tasks/oom` stream of one namespace (Events.Subscribe), decoded into
 * RuntimeEvents keyed by container name. Resubscribes with backoff when the stream breaks;
 * repeated OOM notifications of one container (cgroup v1 sends several per kill) are merged.
 */
import type { ClientReadableStream } from '@grpc/grpc-js';
import type { RuntimeEvent } from '../container-runtime.js';
import type { ContainerdClient } from './client.js';
import { timestampMs } from './metrics.js';
import { decodeAny } from './proto.js';

interface Envelope {
  timestamp?: { seconds?: string; nanos?: number };
  namespace?: string;
  topic?: string;
  event?: { type_url: string; value: Buffer };
}

export interface TaskEventStreamOptions {
  /** Called for each decoded event. */
  onEvent: (event: RuntimeEvent) => void;
  /** Called when the stream breaks (before a resubscribe). */
  onError?: ((err: unknown) => void) | undefined;
  now: () => number;
  /** OOM notifications of one container closer than this are merged. @default 2000 */
  oomMergeMs?: number | undefined;
}

/** Pure. The subscription filter: our namespace, topics /tasks/exit and /tasks/oom. */
export function taskEventFilter(namespace: string): string {
  return `namespace==${namespace},topic~="^/tasks/(exit|oom)$"`;
}

/** Pure. Decodes an envelope into a RuntimeEvent; undefined for other topics and non-init exits. */
export function decodeTaskEnvelope(env: Envelope, now: number): RuntimeEvent | undefined {
  if (!env.event) return undefined;
  const at = timestampMs(env.timestamp) || now;
  if (env.topic === '/tasks/exit') {
    const e = decodeAny<{ container_id: string; id: string; exit_status: number; exited_at?: { seconds?: string; nanos?: number } }>(env.event);
    if (e.id && e.id !== e.container_id) return undefined; // an exec process, not the worker
    return { type: 'exit', name: e.container_id, exitCode: e.exit_status, at: timestampMs(e.exited_at) || at };
  }
  if (env.topic === '/tasks/oom') {
    const e = decodeAny<{ container_id: string }>(env.event);
    return { type: 'oom', name: e.container_id, at };
  }
  return undefined;
}

export class TaskEventStream {
  private stream: ClientReadableStream<unknown> | undefined;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = 100;
  private readonly lastOom = new Map<string, number>();

  constructor(
    private readonly client: ContainerdClient,
    private readonly opts: TaskEventStreamOptions,
  ) {}

  /** Opens the stream (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  /** Cancels the stream and any pending resubscribe. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
  }

  private open(): void {
    const s = this.client.stream('events', 'Subscribe', { filters: [taskEventFilter(this.client.namespace)] }, { timeoutMs: null });
    this.stream = s;
    s.on('data', (env: Envelope) => {
      this.backoffMs = 100;
      this.deliver(env);
    });
    const broken = (err?: unknown): void => {
      if (this.stream !== s) return;
      this.stream = undefined;
      if (this.stopped) return;
      this.opts.onError?.(err ?? new Error('containerd event stream ended'));
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.stopped) this.open();
      }, this.backoffMs);
      this.retryTimer.unref?.();
      this.backoffMs = Math.min(this.backoffMs * 2, 3000);
    };
    s.on('error', broken);
    s.on('end', () => broken());
  }

  private deliver(env: Envelope): void {
    let event: RuntimeEvent | undefined;
    try {
      event = decodeTaskEnvelope(env, this.opts.now());
    } catch (err) {
      this.opts.onError?.(err);
      return;
    }
    if (!event) return;
    if (event.type === 'oom') {
      const window = this.opts.oomMergeMs ?? 2000;
      const last = this.lastOom.get(event.name);
      this.lastOom.set(event.name, event.at);
      for (const [name, at] of this.lastOom) if (event.at - at > 60_000) this.lastOom.delete(name);
      if (last !== undefined && event.at - last < window) return;
    }
    this.opts.onEvent(event);
  }
}
