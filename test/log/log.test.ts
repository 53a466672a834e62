import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { captureLogger, createLogger, formatTextLine, REDACTED, silentLogger } from '../../src/log.js';

function sink() {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

const base = { ENV: 'test', CONTAINERS_NETWORK: 'esb-test-external' };

describe('createLogger', () => {
  it('writes JSON lines with an ISO time at the configured level', () => {
    const out = sink();
    const log = createLogger({ log: { level: 'warn', format: 'json' } }, out);
    log.info('hidden');
    log.warn({ containerId: 'c1' }, 'shown');
    expect(out.lines).toHaveLength(1);
    const rec = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 40, msg: 'shown', containerId: 'c1' });
    expect(rec['time']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(rec).not.toHaveProperty('pid');
  });

  it('maps AGENT_LOG_LEVEL=warning to warn and debug to debug', () => {
    expect(createLogger(loadConfig({ ...base, AGENT_LOG_LEVEL: 'warning' }), sink()).level).toBe('warn');
    expect(createLogger(loadConfig({ ...base, AGENT_LOG_LEVEL: 'DEBUG' }), sink()).level).toBe('debug');
    expect(createLogger(loadConfig(base), sink()).level).toBe('info');
  });

  it('writes slog-style text lines in text format', () => {
    const out = sink();
    const log = createLogger({ log: { level: 'info', format: 'text' } }, out);
    log.child({ component: 'server' }).info({ 'grpc.method': 'EnsureContainer', ms: 3, owner: 'gw 1' }, 'rpc done');
    expect(out.lines[0]).toMatch(/^time=\S+ level=INFO msg="rpc done" component=server grpc\.method=EnsureContainer ms=3 owner="gw 1"\n$/);
  });

  it('redacts request env values in specs and env maps', () => {
    const out = sink();
    const log = createLogger({ log: { level: 'info', format: 'json' } }, out);
    log.info({ spec: { name: 'w1', env: { SECRET: 'hunter2' } } }, 'create');
    log.info({ env: { TOKEN: 'abc' } }, 'request');
    log.info({ worker: { spec: { env: { K: 'v' } } } }, 'nested');
    const text = out.lines.join('');
    expect(text).not.toMatch(/hunter2|"abc"|"v"/);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ spec: { name: 'w1', env: { SECRET: REDACTED } } });
  });
});

describe('formatTextLine', () => {
  it('formats nested values as JSON and passes non-JSON lines through', () => {
    expect(formatTextLine('{"level":50,"time":"t","msg":"x","err":{"message":"boom"}}')).toBe(
      'time=t level=ERROR msg=x err="{\\"message\\":\\"boom\\"}"\n',
    );
    expect(formatTextLine('plain')).toBe('plain\n');
  });
  it('spells numbers, booleans and null as JSON and quotes empty strings, spaces, quotes and =', () => {
    const line = JSON.stringify({
      level: 30, time: '2026-01-01T00:00:00.000Z', msg: 'finished call', 'grpc.time_ms': 0.532, big: 1e21, neg: -3, ok: true, none: null,
      empty: '', spaced: 'a b', quoted: 'say "hi"', eq: 'a=b', list: [1, 'x'],
    });
    expect(formatTextLine(line)).toBe(
      'time=2026-01-01T00:00:00.000Z level=INFO msg="finished call" grpc.time_ms=0.532 big=1e+21 neg=-3 ok=true none=null ' +
        'empty="" spaced="a b" quoted="say \\"hi\\"" eq="a=b" list="[1,\\"x\\"]"\n',
    );
    expect(formatTextLine('{"level":30,"time":"t","msg":"m","huge":1e400,"n":1.50}')).toBe('time=t level=INFO msg=m huge=null n=1.5\n');
  });
});

describe('test loggers', () => {
  it('silentLogger drops everything and captureLogger keeps parsed records', () => {
    expect(silentLogger().level).toBe('silent');
    const { logger, records } = captureLogger();
    logger.debug({ a: 1 }, 'hello');
    expect(records).toEqual([expect.objectContaining({ level: 20, a: 1, msg: 'hello' })]);
  });
});
