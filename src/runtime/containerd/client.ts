/**
 * A small containerd 1.6 gRPC client: one channel over the unix socket, the
 * `containerd-namespace` header on every call, an optional `containerd-lease` header, a
 * deadline on every unary call, abort-signal support, and errors mapped to AgentError.
 */
import * as grpc from '@grpc/grpc-js';
import { AgentError } from '../../errors.js';
import { mapContainerdError } from './grpc-errors.js';
import { loadContainerdProtos, type ServiceName } from './proto.js';

export interface ContainerdClientOptions {
  /** Socket path (`CONTAINERD_SOCKET`). @default /run/containerd/containerd.sock */
  socket: string;
  /** containerd namespace sent on every call. */
  namespace: string;
  /** Deadline for unary calls. @default 10000 */
  callTimeoutMs?: number | undefined;
}

export interface CallOptions {
  /** Overrides the default deadline; `null` means no deadline (Wait, Subscribe). */
  timeoutMs?: number | null | undefined;
  /** Lease id sent as `containerd-lease`. */
  lease?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Extra context for error messages (e.g. the container id). */
  what?: string | undefined;
}

const MAX_MESSAGE = 16 * 1024 * 1024;

type UnaryMethod = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

type StreamMethod = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;

export class ContainerdClient {
  readonly namespace: string;
  readonly socket: string;
  readonly callTimeoutMs: number;
  private readonly clients: Partial<Record<ServiceName, grpc.Client>> = {};
  private channelOwner: grpc.Client | undefined;
  private closed = false;

  constructor(opts: ContainerdClientOptions) {
    this.namespace = opts.namespace;
    this.socket = opts.socket;
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000;
  }

  /** Unary call `service.method(req)` with metadata and deadline. Throws AgentError. */
  async call<Res>(service: ServiceName, method: string, req: object, opts: CallOptions = {}): Promise<Res> {
    const context = `containerd ${serviceLabel(service)}.${method}${opts.what ? ` ${opts.what}` : ''}`;
    if (opts.signal?.aborted) throw abortedError(context, opts.signal);
    const client = this.client(service);
    const fn = (client as unknown as Record<string, UnaryMethod>)[method];
    if (typeof fn !== 'function') throw new AgentError('INTERNAL', `${context}: no such method`);
    return new Promise<Res>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const call = fn.call(client, req, this.metadata(opts), this.callOpts(opts), (err, res) => {
        if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(opts.signal?.aborted ? abortedError(context, opts.signal) : mapContainerdError(err, context));
        else resolve(res as Res);
      });
      if (opts.signal) {
        onAbort = () => call.cancel();
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** Server-streaming call; the caller owns the stream (cancel it to stop). No deadline unless given. */
  stream(service: ServiceName, method: string, req: object, opts: CallOptions = {}): grpc.ClientReadableStream<unknown> {
    const client = this.client(service);
    const fn = (client as unknown as Record<string, StreamMethod>)[method];
    if (typeof fn !== 'function') throw new AgentError('INTERNAL', `containerd ${service}.${method}: no such method`);
    return fn.call(client, req, this.metadata(opts), this.callOpts({ timeoutMs: null, ...opts }));
  }

  /** Bidirectional stream (Content.Write); the caller owns it. Deadline only when given. */
  duplex(service: ServiceName, method: string, opts: CallOptions = {}): grpc.ClientDuplexStream<unknown, unknown> {
    const client = this.client(service);
    const fn = (client as unknown as Record<string, (md: grpc.Metadata, o: grpc.CallOptions) => grpc.ClientDuplexStream<unknown, unknown>>)[method];
    if (typeof fn !== 'function') throw new AgentError('INTERNAL', `containerd ${service}.${method}: no such method`);
    return fn.call(client, this.metadata(opts), this.callOpts({ timeoutMs: null, ...opts }));
  }

  /** Reads a server stream to the end and returns its messages. Throws AgentError. */
  async collect<T>(service: ServiceName, method: string, req: object, opts: CallOptions = {}): Promise<T[]> {
    const context = `containerd ${serviceLabel(service)}.${method}${opts.what ? ` ${opts.what}` : ''}`;
    const timeoutMs = opts.timeoutMs === undefined ? this.callTimeoutMs : opts.timeoutMs;
    const s = this.stream(service, method, req, { ...opts, timeoutMs });
    const out: T[] = [];
    try {
      for await (const msg of s) out.push(msg as T);
    } catch (err) {
      throw mapContainerdError(err, context);
    }
    return out;
  }

  /** Waits until the channel is ready or `timeoutMs` passes. Throws UNAVAILABLE. */
  async waitReady(timeoutMs: number): Promise<void> {
    const client = this.client('version');
    await new Promise<void>((resolve, reject) => {
      client.waitForReady(Date.now() + timeoutMs, (err) =>
        err
          ? reject(new AgentError('UNAVAILABLE', `containerd at ${this.socket} is not reachable: ${err.message}`, { cause: err, step: 'containerd' }))
          : resolve(),
      );
    });
  }

  /** Closes the shared channel. Further calls fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of Object.values(this.clients)) c?.close();
  }

  private client(service: ServiceName): grpc.Client {
    if (this.closed) throw new AgentError('UNAVAILABLE', 'containerd client is closed', { step: 'containerd' });
    const existing = this.clients[service];
    if (existing) return existing;
    const Ctor = loadContainerdProtos().services[service];
    const options: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': MAX_MESSAGE,
      'grpc.max_send_message_length': MAX_MESSAGE,
    };
    if (this.channelOwner) options.channelOverride = this.channelOwner.getChannel();
    const created = new Ctor(`unix://${this.socket}`, grpc.credentials.createInsecure(), options);
    this.channelOwner ??= created;
    this.clients[service] = created;
    return created;
  }

  private metadata(opts: CallOptions): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', this.namespace);
    if (opts.lease) md.set('containerd-lease', opts.lease);
    return md;
  }

  private callOpts(opts: CallOptions): grpc.CallOptions {
    const timeoutMs = opts.timeoutMs === undefined ? this.callTimeoutMs : opts.timeoutMs;
    return timeoutMs === null ? {} : { deadline: Date.now() + timeoutMs };
  }
}

function serviceLabel(service: ServiceName): string {
  return service.charAt(0).toUpperCase() + service.slice(1);
}

function abortedError(context: string, signal: AbortSignal): AgentError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted';
  return new AgentError('CANCELLED', `${context}: cancelled (${reason})`, { cause: signal.reason, step: 'containerd' });
}
