/** OCI ChainIDs of every layer prefix (image-spec config.md). Pure. */
import { createHash } from 'node:crypto';

/** Pure. `[ChainID(L0), ChainID(L0..L1), …]`; empty for no layers. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out.at(-1);
    out.push(prev === undefined ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`);
  }
  return out;
}
