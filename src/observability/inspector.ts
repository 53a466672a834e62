/**
 * Publishes the actor system's XState inspection events in the `@statelyai/inspect` protocol
 * (AGENT_INSPECT=1). A WebSocket relay listens on AGENT_INSPECT_PORT (loopback by default):
 * the agent's own `createWebSocketInspector` connects to it as the publisher (path `/publish`
 * with a per-process token), and any other WebSocket client — the Stately inspector through the
 * bridge page served at `/`, `createWebSocketReceiver`, or a plain `ws` client — is a viewer
 * that receives every event the publisher sends.
 *
 * Worker env values are redacted (`[redacted]`) in everything published.
 *
 * Cost control: while no viewer is connected the inspection observer only keeps a map of live
 * actors (no serialisation, no timers); when the first viewer connects, every live actor is
 * announced again (`@xstate.actor` + `@xstate.snapshot`) so the viewer sees the whole system.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { WebSocketServer, WebSocket } from 'ws';
import type { InspectionEvent } from 'xstate';
import { redactEnv } from './redact-env.js';

export interface InspectorRelayOptions {
  /** @default 127.0.0.1 */
  host?: string | undefined;
  /** 0 picks a free port. */
  port: number;
  /** URL of the inspector UI the bridge page frames. @default https://stately.ai/inspect */
  uiUrl?: string | undefined;
}

export interface StatelyInspection {
  /** The inspection observer for the actor system. Never throws. */
  readonly inspect: (event: InspectionEvent) => void;
  readonly port: number;
  /** Connected viewers (the publisher excluded). */
  readonly viewers: number;
  close(): Promise<void>;
}

interface LiveRef {
  sessionId: string;
  _parent?: LiveRef | undefined;
  getSnapshot(): { status?: string } & Record<string, unknown>;
}

/**
 * Starts the relay and the publisher. Resolves once the relay listens and the publisher is
 * connected. @throws the listen error (EADDRINUSE, …).
 */
export async function startStatelyInspection(opts: InspectorRelayOptions): Promise<StatelyInspection> {
  const host = opts.host ?? '127.0.0.1';
  const token = randomBytes(12).toString('hex');
  const http = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/') { res.writeHead(404).end('not found\n'); return; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(bridgePage(opts.uiUrl ?? 'https://stately.ai/inspect'));
  });
  const wss = new WebSocketServer({ server: http, maxPayload: 16 * 1024 * 1024 });
  const port = await listen(http, opts.port, host);
  const live = new Map<string, LiveRef>();
  let viewers = 0;
  let sweepAt = 256;

  const inspector = createWebSocketInspector({
    url: `ws://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/publish?token=${token}`,
    autoStart: false,
    // Env values never leave the agent (snapshots carry them in context.spec / input.spec).
    serialize: (event) => redactEnv(event),
  });
  wss.on('connection', (ws, req) => {
    if (req.url === `/publish?token=${token}`) {
      ws.on('message', (data) => {
        const text = data.toString();
        for (const c of wss.clients) if (c !== ws && c.readyState === WebSocket.OPEN) c.send(text);
      });
      return;
    }
    viewers++;
    ws.on('close', () => { viewers--; });
    announceAll();
  });
  const announceAll = (): void => {
    for (const [id, ref] of live) {
      const snapshot = ref.getSnapshot();
      if (snapshot.status !== 'active') { live.delete(id); continue; }
      const info = ref._parent ? { parentId: ref._parent.sessionId } : {};
      inspector.actor(ref as never, snapshot as never, info);
      inspector.snapshot(ref as never, snapshot as never);
    }
  };
  const track = (ev: InspectionEvent): void => {
    const ref = ev.actorRef as unknown as LiveRef;
    if (ev.type === '@xstate.actor') {
      live.set(ref.sessionId, ref);
      if (live.size >= sweepAt) {
        // Actors stopped from outside emit no final snapshot: drop them now and then.
        for (const [id, r] of live) if (r.getSnapshot().status !== 'active') live.delete(id);
        sweepAt = Math.max(256, live.size * 2);
      }
    } else if (ev.type === '@xstate.snapshot' && (ev.snapshot as { status?: string }).status !== 'active') {
      live.delete(ref.sessionId);
    }
  };
  await startPublisher(inspector, wss);

  return {
    inspect(ev) {
      try {
        track(ev);
        if (viewers > 0) inspector.inspect.next?.(ev);
      } catch { /* inspection must never break the actor system */ }
    },
    port,
    get viewers() { return viewers; },
    close: () => new Promise<void>((resolve) => {
      inspector.stop();
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.close(() => resolve());
      http.closeAllConnections();
    }),
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the publisher and waits (up to 5 s) until the relay has accepted its connection. */
function startPublisher(inspector: ReturnType<typeof createWebSocketInspector>, wss: WebSocketServer): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    timer.unref();
    wss.once('connection', () => { clearTimeout(timer); setImmediate(resolve); });
    inspector.start();
  });
}

/** The page an operator opens on the relay port: frames the inspector UI and forwards events to it. */
function bridgePage(uiUrl: string): string {
  const ui = JSON.stringify(uiUrl);
  return `<!doctype html><html><head><meta charset="utf-8"><title>esb-agent · Stately inspector</title>
<style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%}</style></head>
<body><iframe id="ui"></iframe><script>
const frame = document.getElementById('ui'); frame.src = ${ui};
const queue = []; let ready = false;
addEventListener('message', (m) => { if (m.data && m.data.type === '@statelyai.connected') { ready = true; queue.splice(0).forEach((e) => frame.contentWindow.postMessage(e, '*')); } });
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/');
ws.onmessage = (m) => { const e = JSON.parse(m.data); if (ready) frame.contentWindow.postMessage(e, '*'); else queue.push(e); };
</script></body></html>`;
}
