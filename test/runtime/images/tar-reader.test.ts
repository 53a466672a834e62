import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePax, parseTarHeader, readTarIndex } from '../../../src/runtime/images/tar-reader.js';
import { ociImageNames, qualify } from '../../../src/runtime/images/archive-layout.js';

const dir = mkdtempSync(join(tmpdir(), 'esb-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeTar(format: string): string {
  const src = join(dir, `src-${format}`);
  const long = 'd'.repeat(120);
  mkdirSync(join(src, 'blobs', long), { recursive: true });
  writeFileSync(join(src, 'index.json'), '{"a":1}');
  writeFileSync(join(src, 'blobs', long, 'f.bin'), Buffer.alloc(1500, 7));
  const out = join(dir, `${format}.tar`);
  execFileSync('tar', [`--format=${format}`, '-C', src, '-cf', out, 'index.json', 'blobs']);
  return out;
}

describe('readTarIndex', () => {
  it.each(['pax', 'gnu'])('goes from a %s tar to entries with data offsets', async (format) => {
    const tar = makeTar(format);
    const entries = await readTarIndex(tar);
    const file = entries.find((e) => e.name.endsWith('f.bin'))!;
    expect(file).toMatchObject({ type: 'file', size: 1500, name: `blobs/${'d'.repeat(120)}/f.bin` });
    expect(readFileSync(tar).subarray(file.offset, file.offset + file.size)).toEqual(Buffer.alloc(1500, 7));
    const idx = entries.find((e) => e.name === 'index.json')!;
    expect(readFileSync(tar).subarray(idx.offset, idx.offset + idx.size).toString()).toBe('{"a":1}');
    expect(entries.some((e) => e.type === 'dir' && e.name === 'blobs')).toBe(true);
  });
  it('fails with INVALID_ARGUMENT for a file that is not a tar', async () => {
    const f = join(dir, 'not.tar');
    writeFileSync(f, Buffer.alloc(1024, 0x41));
    await expect(readTarIndex(f)).rejects.toThrow(/is not a tar archive/);
  });
  it('parses pax records and stops at the zero block', () => {
    expect(parsePax(Buffer.from('18 path=a/b/c.txt\n11 size=99\n'))).toEqual({ path: 'a/b/c.txt', size: '99' });
    expect(parseTarHeader(Buffer.alloc(512))).toBeUndefined();
  });
});

describe('archive names', () => {
  it('takes io.containerd.image.name, else a full ref.name, else the fallback', () => {
    expect(ociImageNames({ 'io.containerd.image.name': '127.0.0.1:5000/esb/echo:latest', 'org.opencontainers.image.ref.name': 'latest' })).toEqual(['127.0.0.1:5000/esb/echo:latest']);
    expect(ociImageNames({ 'org.opencontainers.image.ref.name': 'latest' }, 'my/img:1')).toEqual(['docker.io/my/img:1']);
    expect(ociImageNames(undefined)).toEqual([]);
    expect(qualify('esb/echo:latest')).toBe('docker.io/esb/echo:latest');
  });
});
