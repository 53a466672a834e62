/**
 * Worker env values (the function's configuration, often secrets) must not leave the agent
 * through the inspection stream: snapshots carry them in `context.spec.env`, and the step actors'
 * snapshots in `input.spec.env`. Pure.
 */

export const REDACTED = '[redacted]';

/**
 * Returns `value` with every `env` object replaced by one with the same keys and `[redacted]`
 * values. Copies only the objects on the way to an `env`; never mutates `value`. Descends only
 * into arrays and plain objects (not into actor refs, machines or state nodes), at most `depth`
 * levels.
 */
export function redactEnv<T>(value: T, depth = 12): T {
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (!Array.isArray(value) && !isPlain(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const r = redactEnv(item, depth - 1);
      if (r !== item) (copy ??= [...value])[i] = r;
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const r = key === 'env' && isStringMap(item) ? mask(item) : redactEnv(item, depth - 1);
    if (r !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = r;
  }
  return (copy ?? value) as T;
}

function isPlain(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isStringMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && isPlain(v);
}

function mask(env: Record<string, unknown>): Record<string, string> | Record<string, unknown> {
  const keys = Object.keys(env);
  if (keys.length === 0) return env;
  return Object.fromEntries(keys.map((k) => [k, REDACTED]));
}
