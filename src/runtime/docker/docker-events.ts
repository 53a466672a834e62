/**
 * The Docker events subscription: one `/events` stream (our labels, die/oom/destroy), decoded
 * to RuntimeEvents and fanned out to listeners. When the stream ends or fails (dockerd
 * restarted, socket closed) it reconnects with exponential backoff, asks for the events it
 * missed (`since` the last one seen) and resynchronises from one list call: a managed
 * container found stopped that was never reported gets a synthetic `exit` event.
 */
import type { Readable } from 'node:stream';
import type { ManagedContainer, RuntimeEvent, RuntimeEventListener } from '../container-runtime.js';
import { sleep, withDeadline } from './call-deadline.js';
import type { DockerClient } from './docker-client.js';
import { eventFilters } from './docker-labels.js';
import type { DockerIdentity, DockerLogger } from './docker-options.js';
import { decodeDockerEvent } from './event-decode.js';

export interface DockerEventsDeps {
  /** A client WITHOUT a socket inactivity timeout (a quiet event stream is normal). */
  client: DockerClient;
  identity: DockerIdentity;
  backoff: { initialMs: number; maxMs: number };
  connectTimeoutMs: number;
  logger: DockerLogger;
  now: () => number;
  /** One list of managed containers (used to resynchronise after a reconnect). */
  list: (signal: AbortSignal) => Promise<ManagedContainer[]>;
  /**
   * While the stream is open, dockerd is pinged this often; a failed ping drops the stream
   * (a hung daemon keeps the socket open but says nothing) and the loop reconnects.
   */
  livenessMs: number;
}

export class DockerEvents {
  private readonly listeners = new Set<RuntimeEventListener>();
  /** Names whose exit was delivered (or that were stopped when we first looked). */
  private readonly exited = new Set<string>();
  /** OOM events seen per container name (dockerd's `State.OOMKilled` flag is racy). */
  private readonly ooms = new Map<string, number>();
  private lastTimeNano = 0;
  private seenAtLast = new Set<string>();
  private stopper: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** Number of successful (re)connections; for tests and logs. */
  connections = 0;

  constructor(private readonly deps: DockerEventsDeps) {}

  /** Adds a listener (starting the stream on the first); returns its removal function. */
  subscribe(listener: RuntimeEventListener): () => void {
    this.listeners.add(listener);
    if (!this.loop) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stop();
    };
  }

  /** Forgets a container removed by us (keeps the bookkeeping small). */
  forget(name: string): void {
    this.exited.delete(name);
    this.ooms.delete(name);
  }

  /** How many oom events the stream delivered for `name` (0 when not subscribed). */
  oomCount(name: string): number {
    return this.ooms.get(name) ?? 0;
  }

  /** Stops the stream and waits for the loop to finish. Never throws. */
  async stop(): Promise<void> {
    this.stopper?.abort();
    const loop = this.loop;
    this.loop = undefined;
    this.stopper = undefined;
    await loop?.catch(() => undefined);
  }

  private start(): void {
    const stopper = new AbortController();
    this.stopper = stopper;
    this.loop = this.run(stopper.signal);
  }

  private async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        const stream = await withDeadline(signal, this.deps.connectTimeoutMs, 'connect to the Docker event stream', 'events', (s) =>
          this.deps.client.getEvents({ filters: eventFilters(this.deps.identity), since: this.since(), abortSignal: s }),
        );
        const first = this.connections++ === 0;
        attempt = 0;
        await this.resync(signal, first);
        await this.pump(stream, signal);
        if (!signal.aborted) this.deps.logger.warn({}, 'Docker event stream ended; reconnecting');
      } catch (err) {
        if (signal.aborted) break;
        this.deps.logger.warn({ err: (err as Error).message, attempt }, 'Docker event stream failed; reconnecting');
      }
      const delay = Math.min(this.deps.backoff.maxMs, this.deps.backoff.initialMs * 2 ** Math.min(attempt++, 16));
      await sleep(delay, signal).catch(() => undefined);
    }
  }

  private since(): string | undefined {
    return this.lastTimeNano > 0 ? String(Math.floor(this.lastTimeNano / 1e9)) : undefined;
  }

  /** Lists managed containers; the first time it only records stopped ones, later it reports them. */
  private async resync(signal: AbortSignal, baselineOnly: boolean): Promise<void> {
    let rows: ManagedContainer[];
    try {
      rows = await this.deps.list(signal);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'Docker events: resync list failed');
      return;
    }
    for (const c of rows) {
      if (c.status !== 'STOPPED' || this.exited.has(c.name)) continue;
      this.exited.add(c.name);
      if (!baselineOnly) this.emit({ type: 'exit', name: c.name, exitCode: c.exitCode ?? -1, at: this.deps.now() });
    }
  }

  /** Reads the stream until it ends, fails or `signal` fires. Resolves in every case. */
  private pump(stream: Readable, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let rest = '';
      const watchdog = setInterval(() => void this.probe(stream, signal), this.deps.livenessMs);
      watchdog.unref?.();
      const done = (): void => {
        clearInterval(watchdog);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        stream.destroy();
        done();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (chunk: Buffer | string) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.line(line);
      });
      stream.on('error', (err: Error) => {
        this.deps.logger.debug({ err: err.message }, 'Docker event stream error');
        done();
      });
      stream.on('close', done);
      stream.on('end', done);
      if (signal.aborted) onAbort();
    });
  }

  /** Pings dockerd; when it does not answer, drops the stream so the loop reconnects. */
  private async probe(stream: Readable, signal: AbortSignal): Promise<void> {
    try {
      await withDeadline(signal, this.deps.connectTimeoutMs, 'ping dockerd', 'events', (s) => this.deps.client.ping({ abortSignal: s }));
    } catch (err) {
      if (signal.aborted || stream.destroyed) return;
      this.deps.logger.warn({ err: (err as Error).message }, 'dockerd does not answer; dropping the event stream');
      stream.destroy();
    }
  }

  private line(line: string): void {
    const d = decodeDockerEvent(line, this.deps.now());
    if (!d) return;
    if (this.replayed(d.timeNano, line)) return;
    if (d.kind === 'destroy') this.forget(d.name);
    if (d.kind !== 'runtime') return;
    if (d.event.type === 'exit') this.exited.add(d.event.name);
    if (d.event.type === 'oom') this.ooms.set(d.event.name, this.oomCount(d.event.name) + 1);
    this.emit(d.event);
  }

  /** True for an event already seen (a reconnect asks `since` the last second, so some repeat). */
  private replayed(timeNano: number, line: string): boolean {
    if (timeNano <= 0) return false;
    if (timeNano < this.lastTimeNano) return true;
    if (timeNano === this.lastTimeNano) {
      if (this.seenAtLast.has(line)) return true;
      this.seenAtLast.add(line);
      return false;
    }
    this.lastTimeNano = timeNano;
    this.seenAtLast = new Set([line]);
    return false;
  }

  private emit(event: RuntimeEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message, event }, 'runtime event listener threw');
      }
    }
  }
}
