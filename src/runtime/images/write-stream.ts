/**
 * The request/reply discipline of containerd's Content.Write stream: the server answers every
 * message in order, so a send resolves with the next unclaimed reply. Several sends may be in
 * flight (a pipelined window of WRITEs); the stream's first error rejects all of them. A reply
 * nobody waits for (containerd 1.6 sends the COMMIT reply twice) is dropped.
 */
import type * as grpc from '@grpc/grpc-js';
import { AgentError } from '../../errors.js';
import { mapContainerdError } from '../containerd/grpc-errors.js';

export interface WriteReply { action: string; offset: string | number; total: string | number; digest: string }

interface Waiter { resolve: (r: WriteReply) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }

export class WriteStream {
  private readonly waiters: Waiter[] = [];
  private failure: unknown;
  private readonly onAbort = (): void => this.call.cancel();

  constructor(private readonly call: grpc.ClientDuplexStream<object, WriteReply>, private readonly context: string,
    private readonly timeoutMs: number, private readonly signal?: AbortSignal) {
    call.on('data', (r: WriteReply) => {
      const w = this.waiters.shift();
      if (w) { clearTimeout(w.timer); w.resolve(r); }
    });
    call.on('error', (err) => this.fail(err));
    call.on('end', () => this.fail(new AgentError('INTERNAL', `${context}: stream ended early`, { step: 'containerd' })));
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Sends `msg`; resolves with its reply, or 'exists' when containerd says the blob already exists. */
  async send(msg: object): Promise<WriteReply | 'exists'> {
    if (this.signal?.aborted) throw cancelled(this.context, this.signal);
    if (this.failure) throw this.map(this.failure);
    const reply = new Promise<WriteReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new AgentError('DEADLINE_EXCEEDED', `${this.context}: containerd did not answer within ${this.timeoutMs} ms`, { step: 'containerd' }));
        this.call.cancel();
      }, this.timeoutMs);
      this.waiters.push({ resolve, reject, timer });
    });
    this.call.write(msg);
    try {
      return await reply;
    } catch (err) {
      const mapped = this.map(err);
      if (mapped.code === 'ALREADY_EXISTS') return 'exists';
      throw mapped;
    }
  }

  /** Half-closes the stream (after the COMMIT reply). */
  end(): void {
    this.call.end();
  }

  /** Cancels the stream if it is still open; rejects nothing that already settled. */
  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (!this.failure) {
      this.failure = new Error('closed');
      this.call.cancel();
    }
  }

  private map(err: unknown): AgentError {
    if (this.signal?.aborted) return cancelled(this.context, this.signal);
    return mapContainerdError(err, this.context);
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this.failure);
    }
  }
}

function cancelled(context: string, signal: AbortSignal): AgentError {
  return new AgentError('CANCELLED', `${context}: cancelled`, { cause: signal.reason, step: 'containerd' });
}
