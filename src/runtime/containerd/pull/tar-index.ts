/**
 * A minimal tar reader: indexes regular files of an archive (ustar prefix, GNU long names, pax
 * `path`) by name with their byte ranges, so blobs can be streamed straight from the file.
 */
import { open } from 'node:fs/promises';

export interface TarEntry {
  offset: number;
  size: number;
}

function field(block: Buffer, start: number, len: number): string {
  const raw = block.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

function octal(block: Buffer, start: number, len: number): number {
  const text = field(block, start, len).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** Reads the headers of `path`; returns regular files by normalised name (no leading `./`). Throws on I/O errors or a truncated archive. */
export async function indexTar(path: string): Promise<Map<string, TarEntry>> {
  const fh = await open(path, 'r');
  const entries = new Map<string, TarEntry>();
  try {
    const header = Buffer.alloc(512);
    let pos = 0;
    let longName: string | undefined;
    for (;;) {
      const { bytesRead } = await fh.read(header, 0, 512, pos);
      if (bytesRead < 512 || header.every((b) => b === 0)) break;
      const size = octal(header, 124, 12);
      const type = String.fromCharCode(header[156] ?? 48);
      const dataOffset = pos + 512;
      if (type === 'L' || type === 'x') {
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataOffset);
        if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
        else {
          const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
          if (m) longName = m[1];
        }
      } else {
        const prefix = field(header, 345, 155);
        const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
        longName = undefined;
        if (type === '0' || type === '\0' || type === '7') entries.set(name.replace(/^\.\//, ''), { offset: dataOffset, size });
      }
      pos = dataOffset + Math.ceil(size / 512) * 512;
    }
  } finally {
    await fh.close();
  }
  return entries;
}
