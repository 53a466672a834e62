import { afterEach, describe, expect, it } from 'vitest';
import { adoptExisting } from '../../src/recovery/adopt.js';
import { recoverOnStart } from '../../src/recovery/recover-on-start.js';
import { harness, type Harness } from '../machines/sim-harness.js';
import { memoryLog, seedWorkers } from './sim-seed.js';

describe('adoptExisting', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('goes from a runtime with running, paused and stopped containers to actors in the same states', async () => {
    h = harness();
    const names = await seedWorkers(h.runtime, 6, ['running', 'paused', 'stopped']);
    const result = await adoptExisting(h.runtime, h.sup);
    expect(result.adopted.map((v) => v.name).sort()).toEqual([...names].sort());
    const byName = new Map(h.sup.all().map((v) => [v.name, v]));
    expect(byName.get(names[0]!)).toMatchObject({ state: 'running', status: 'RUNNING', origin: 'adopted', ownerId: 'owner-0', functionName: 'fn0' });
    expect(byName.get(names[1]!)).toMatchObject({ state: 'paused', status: 'PAUSED', ownerId: 'owner-1' });
    expect(byName.get(names[2]!)).toMatchObject({ state: 'stopped', status: 'STOPPED' });
    for (const v of byName.values()) {
      if (v.status !== 'STOPPED') expect(v.ipAddress).toMatch(/^127\./);
      expect(v.createdAt).toBeGreaterThanOrEqual(1_600_000_000_000);
    }
  });

  it('leaves half-made containers to the cleanup and skips names it already knows', async () => {
    h = harness();
    const [created] = await seedWorkers(h.runtime, 1, ['created']);
    await seedWorkers(h.runtime, 2, ['running']);
    const first = await adoptExisting(h.runtime, h.sup);
    expect(first.adopted.map((v) => v.name)).not.toContain(created);
    const again = await adoptExisting(h.runtime, h.sup);
    expect(again.adopted).toEqual([]);
    expect(h.sup.size).toBe(first.adopted.length);
  });

  it('goes from leftovers to a clean runtime plus adopted workers through recoverOnStart, one log line per leftover', async () => {
    h = harness();
    const [created] = await seedWorkers(h.runtime, 1, ['created']);
    const { log, lines } = memoryLog();
    await seedWorkers(h.runtime, 3, ['running', 'paused']);
    const report = await recoverOnStart({ runtime: h.runtime, supervisor: h.sup, log, stopGraceMs: 10, namePrefix: 'esb-prev-', startedAt: Date.now() });
    expect(report.cleanup.removed.map((l) => l.id)).toEqual([created]);
    expect(lines.some((l) => l.msg?.includes(`removed container ${created}`))).toBe(true);
    expect(h.runtime.snapshotState().containers.map((c) => c.name)).not.toContain(created);
    expect(report.adoption.adopted).toHaveLength(3);
  });

  it.each([10, 100])('adopts N=%i workers (time written to the log)', async (n) => {
    h = harness();
    await seedWorkers(h.runtime, n, ['running', 'running', 'paused', 'stopped']);
    const result = await adoptExisting(h.runtime, h.sup);
    expect(result.adopted).toHaveLength(n);
    expect(h.sup.all().every((v) => ['running', 'paused', 'stopped'].includes(v.state))).toBe(true);
    console.info(`adoption N=${n}: ${result.ms.toFixed(2)} ms total, ${result.spawnMs.toFixed(2)} ms spawning`);
  });
});
