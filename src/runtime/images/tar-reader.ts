/**
 * A small ustar/pax/GNU tar index reader: walks the 512-byte headers of a tar file on disk and
 * records where each regular file's data starts, without reading the data (an image archive's
 * layers are then streamed straight from the file). Compressed tars are not supported.
 */
import { open } from 'node:fs/promises';
import { AgentError } from '../../errors.js';

export interface TarEntry {
  /** Path inside the archive, without a leading `./`. */
  name: string;
  /** `file`, `dir`, `symlink`, `link` or `other`. */
  type: 'file' | 'dir' | 'symlink' | 'link' | 'other';
  size: number;
  /** Byte offset of the data in the tar file. */
  offset: number;
  /** Link target for symlinks and hard links. */
  linkName?: string | undefined;
}

/** A parsed header block: raw type flag, sizes and names. */
export interface TarHeader {
  name: string;
  size: number;
  typeflag: string;
  linkName: string;
}

const BLOCK = 512;

function field(block: Buffer, start: number, len: number): string {
  const raw = block.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

/** Pure. Octal (or GNU base-256) numeric field. Throws on garbage. */
export function parseNumeric(block: Buffer, start: number, len: number): number {
  const raw = block.subarray(start, start + len);
  if (raw[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < raw.length; i++) n = n * 256 + raw[i]!;
    return n;
  }
  const text = field(block, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`bad numeric field "${text}"`);
  return parseInt(text, 8);
}

/**
 * Pure. Parses one header block; undefined for an all-zero block (end of archive). Throws on
 * a checksum mismatch (not a tar, or corrupted).
 */
export function parseTarHeader(block: Buffer): TarHeader | undefined {
  if (block.every((b) => b === 0)) return undefined;
  const stored = parseNumeric(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  if (sum !== stored) throw new Error(`tar header checksum mismatch (stored ${stored}, computed ${sum})`);
  const magic = field(block, 257, 6);
  const prefix = magic.startsWith('ustar') ? field(block, 345, 155) : '';
  const name = field(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: parseNumeric(block, 124, 12),
    typeflag: String.fromCharCode(block[156] || 48),
    linkName: field(block, 157, 100),
  };
}

/** Pure. The `path`, `linkpath` and `size` records of a pax extended header body. */
export function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space === -1) break;
    const len = parseInt(body.subarray(i, space).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = body.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

function typeOf(flag: string): TarEntry['type'] {
  if (flag === '0' || flag === '\0' || flag === '7') return 'file';
  if (flag === '5') return 'dir';
  if (flag === '2') return 'symlink';
  if (flag === '1') return 'link';
  return 'other';
}

/** Pure. `./a/b` → `a/b`, `dir/` → `dir`. */
export function cleanTarPath(p: string): string {
  return p.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** Long names and pax records that apply to the next entry. */
interface Pending { pax: Record<string, string>; longName?: string | undefined; longLink?: string | undefined }

/**
 * Lists the entries of the tar file at `path` (pax and GNU long names applied). Throws
 * INVALID_ARGUMENT naming the file when it is not a readable tar.
 */
export async function readTarIndex(path: string): Promise<TarEntry[]> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new AgentError('INVALID_ARGUMENT', `cannot open image archive ${path}: ${err.code ?? err.message}`, { step: 'import' });
  });
  try {
    const { size: fileSize } = await fh.stat();
    const entries: TarEntry[] = [];
    const block = Buffer.alloc(BLOCK);
    let pending: Pending = { pax: {} };
    for (let pos = 0; pos + BLOCK <= fileSize;) {
      await fh.read(block, 0, BLOCK, pos);
      const h = headerAt(block, path, pos);
      if (!h) break;
      const dataAt = pos + BLOCK;
      if (h.typeflag === 'x' || h.typeflag === 'L' || h.typeflag === 'K') {
        const body = Buffer.alloc(h.size);
        await fh.read(body, 0, h.size, dataAt);
        pending = applyMeta(pending, h.typeflag, body);
      } else if (h.typeflag !== 'g') {
        const size = pending.pax['size'] ? Number(pending.pax['size']) : h.size;
        h.size = size;
        entries.push({ name: cleanTarPath(pending.pax['path'] ?? pending.longName ?? h.name), type: typeOf(h.typeflag), size, offset: dataAt,
          linkName: pending.pax['linkpath'] ?? pending.longLink ?? (h.linkName || undefined) });
        pending = { pax: {} };
      }
      pos = dataAt + Math.ceil(h.size / BLOCK) * BLOCK;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

function headerAt(block: Buffer, path: string, pos: number): TarHeader | undefined {
  try {
    return parseTarHeader(block);
  } catch (err) {
    throw new AgentError('INVALID_ARGUMENT', `${path} is not a tar archive (at byte ${pos}: ${(err as Error).message})`, { step: 'import' });
  }
}

/** Pure. Records a pax header (`x`) or GNU long name (`L`) / long link (`K`) for the next entry. */
function applyMeta(p: Pending, flag: string, body: Buffer): Pending {
  if (flag === 'x') return { ...p, pax: parsePax(body) };
  const text = body.toString('utf8').replace(/\0+$/, '');
  return flag === 'L' ? { ...p, longName: text } : { ...p, longLink: text };
}
