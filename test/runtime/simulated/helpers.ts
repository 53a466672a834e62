import type { WorkerSpec } from '../../../src/runtime/container-runtime.js';

export const IMAGE = '127.0.0.1:5000/esb/echo:latest';

/** A worker spec with the labels of contract §0 for brand `sim`, env `test`. */
export function spec(name: string, overrides: Partial<WorkerSpec> = {}): WorkerSpec {
  const functionName = overrides.functionName ?? 'fn';
  return {
    name,
    functionName,
    image: IMAGE,
    env: {},
    ownerId: 'owner-a',
    labels: { sim_function: functionName, created_by: 'sim-agent', sim_env: 'test', 'com.sim.kind': 'function', 'com.sim.owner': 'owner-a' },
    ...overrides,
  };
}
