/**
 * Logging: one pino root logger, built once by the composition root; components log through
 * `logger.child({ component: ... })`. Output goes to stderr (like the Go agent) as JSON lines
 * or, with `AGENT_LOG_FORMAT=text`, as slog-style `key=value` lines. Request env values are
 * redacted wherever a worker spec or env map is logged.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogFormat, LogLevel } from './config.js';

export type { Logger } from 'pino';

export interface LogSettings {
  log: { level: LogLevel; format: LogFormat };
}

/** Paths whose values never reach a log line (request env maps may hold secrets). */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  'env.*', 'spec.env.*', '*.env.*', '*.spec.env.*', 'request.env.*', 'req.env.*',
]);
export const REDACTED = '[redacted]';

const LEVEL_LABELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const NEEDS_QUOTES = /[\s"=]/;

function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  };
}

/** Quotes a text-format value when it holds spaces, quotes or `=`, like slog's TextHandler. Pure. */
function textValue(value: unknown): string {
  // String() spells a finite number as JSON does; a JSON number too large for a double parses as
  // Infinity, which JSON spells null.
  const s = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : JSON.stringify(value);
  if (s === undefined) return '""';
  return s === '' || NEEDS_QUOTES.test(s) ? JSON.stringify(s) : s;
}

/**
 * Turns one pino JSON line into `time=… level=INFO msg="…" key=value …` (nested objects as
 * JSON). Lines that are not JSON pass through unchanged. Pure.
 */
export function formatTextLine(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  const level = typeof rec['level'] === 'number' ? (LEVEL_LABELS[rec['level']] ?? String(rec['level'])) : String(rec['level']);
  let line = `time=${textValue(rec['time'])} level=${level} msg=${textValue(rec['msg'] ?? '')}`;
  for (const k in rec) if (k !== 'time' && k !== 'level' && k !== 'msg') line += ` ${k}=${textValue(rec[k])}`;
  return `${line}\n`;
}

/** A destination that rewrites pino's JSON lines as text lines before writing them to `out`. */
export function textDestination(out: DestinationStream): DestinationStream {
  return { write: (line: string) => out.write(formatTextLine(line)) };
}

/**
 * Builds the root logger from the log settings. `destination` defaults to stderr (fd 2,
 * synchronous, so nothing is lost on exit). Not pure: the logger writes to its destination.
 */
export function createLogger(settings: LogSettings, destination?: DestinationStream): Logger {
  const out = destination ?? pino.destination({ dest: 2, sync: true });
  return pino(loggerOptions(settings.log.level), settings.log.format === 'text' ? textDestination(out) : out);
}

/** A logger that drops everything (for tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A logger that keeps every record in memory, parsed (for tests asserting log lines). */
export function captureLogger(level: LogLevel = 'trace'): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino(loggerOptions(level), { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records };
}
