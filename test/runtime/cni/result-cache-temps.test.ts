import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_TMP_PREFIX, removeStaleTempFiles } from '../../../src/runtime/cni/result-cache.js';

describe('removeStaleTempFiles', () => {
  it('removes half-written cache files older than the cut-off and keeps newer ones and real entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esb-cni-cache-'));
    const old = join(dir, `${CACHE_TMP_PREFIX}aaaaaaaaaaaa.tmp`);
    const fresh = join(dir, `${CACHE_TMP_PREFIX}bbbbbbbbbbbb.tmp`);
    const entry = join(dir, 'esbt-net-esbt-x-fn-00000001-eth0');
    for (const f of [old, fresh, entry]) writeFileSync(f, '{}');
    const cutOff = Date.now() - 10_000;
    utimesSync(old, new Date(cutOff - 60_000), new Date(cutOff - 60_000));
    utimesSync(entry, new Date(cutOff - 60_000), new Date(cutOff - 60_000));

    try {
      expect(await removeStaleTempFiles(dir, cutOff)).toEqual([`${CACHE_TMP_PREFIX}aaaaaaaaaaaa.tmp`]);
      expect(readdirSync(dir).sort()).toEqual([`${CACHE_TMP_PREFIX}bbbbbbbbbbbb.tmp`, 'esbt-net-esbt-x-fn-00000001-eth0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('treats a missing folder as nothing to remove', async () => {
    expect(await removeStaleTempFiles(join(tmpdir(), 'esb-no-such-dir-4f1c'), Date.now())).toEqual([]);
  });
});
