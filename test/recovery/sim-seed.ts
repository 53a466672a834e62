/** Seeding the simulated runtime with containers "left by a previous agent process". */
import type { SimulatedRuntime } from '../../src/runtime/simulated/simulated-runtime.js';
import { request, testSpecBuilder } from '../machines/sim-harness.js';

/** One builder for the whole file, so names never repeat across seed calls. */
const build = testSpecBuilder('esb', 'prev');

export type SeedStatus = 'created' | 'running' | 'paused' | 'stopped';

/** Seeds `count` containers cycling through `statuses`, owners `owner-0..owner-2`; returns their names. */
export async function seedWorkers(runtime: SimulatedRuntime, count: number, statuses: readonly SeedStatus[] = ['running']): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const spec = build(request({ functionName: `fn${i % 7}`, ownerId: `owner-${i % 3}` }));
    await runtime.seed({ spec, status: statuses[i % statuses.length]!, exitCode: 3, createdAt: 1_600_000_000_000 + i });
    names.push(spec.name);
  }
  return names;
}

/** A pino-like logger that keeps the lines. */
export function memoryLog() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string | undefined }> = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const log = { info: at('info'), warn: at('warn'), debug: at('debug'), error: at('error'), child: () => log };
  return { log, lines };
}
