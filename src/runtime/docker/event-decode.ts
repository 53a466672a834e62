/**
 * Decodes one line of dockerd's `/events` stream into our {@link RuntimeEvent}s. Pure.
 */
import type { RuntimeEvent } from '../container-runtime.js';

/** A decoded Docker event line, reduced to what we use. */
export type DecodedDockerEvent =
  | { kind: 'runtime'; event: RuntimeEvent; timeNano: number }
  | { kind: 'destroy'; name: string; timeNano: number }
  | { kind: 'ignored'; timeNano: number };

interface DockerEventLine {
  Type?: unknown;
  Action?: unknown;
  status?: unknown;
  time?: unknown;
  timeNano?: unknown;
  Actor?: { Attributes?: Record<string, unknown> | null } | null;
}

/** Event time in ns (timeNano, else time × 1e9, else 0). Pure. */
function timeNanoOf(e: DockerEventLine): number {
  if (typeof e.timeNano === 'number' && e.timeNano > 0) return e.timeNano;
  if (typeof e.time === 'number' && e.time > 0) return e.time * 1e9;
  return 0;
}

/**
 * Decodes one JSON line; undefined when it is not JSON. `fallbackNow` supplies the time when
 * the line has none. Pure.
 */
export function decodeDockerEvent(line: string, fallbackNow: number): DecodedDockerEvent | undefined {
  let e: DockerEventLine;
  try {
    e = JSON.parse(line) as DockerEventLine;
  } catch {
    return undefined;
  }
  if (!e || typeof e !== 'object') return undefined;
  const timeNano = timeNanoOf(e);
  const at = timeNano > 0 ? Math.floor(timeNano / 1e6) : fallbackNow;
  const action = typeof e.Action === 'string' ? e.Action : typeof e.status === 'string' ? e.status : '';
  const attrs = e.Actor?.Attributes ?? {};
  const name = typeof attrs['name'] === 'string' ? attrs['name'] : '';
  if ((e.Type !== undefined && e.Type !== 'container') || !name) return { kind: 'ignored', timeNano };
  if (action === 'die') {
    const code = Number(attrs['exitCode']);
    return { kind: 'runtime', timeNano, event: { type: 'exit', name, exitCode: Number.isFinite(code) ? code : -1, at } };
  }
  if (action === 'oom') return { kind: 'runtime', timeNano, event: { type: 'oom', name, at } };
  if (action === 'destroy') return { kind: 'destroy', name, timeNano };
  return { kind: 'ignored', timeNano };
}
