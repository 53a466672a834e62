/**
 * `esb-agent replay <journal>`: replays a worker journal (written with AGENT_JOURNAL) through
 * the worker machine and prints "replay ok …" (exit 0) or the first divergence (exit 1).
 */
import { readFile } from 'node:fs/promises';
import { formatReplayResult, replayJournal } from '../journal/replay.js';
import type { CliIo } from './io.js';

/** Exit codes: 0 replay ok, 1 divergence or unreadable/malformed journal, 2 usage error. */
export async function replayCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length !== 1 || !args[0] || args[0].startsWith('-')) {
    io.err('usage: esb-agent replay <journal>');
    return 2;
  }
  let text: string;
  try {
    text = await readFile(args[0], 'utf8');
  } catch (err) {
    io.err(`esb-agent replay: cannot read ${args[0]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return 1;
  }
  try {
    const result = replayJournal(text);
    (result.ok ? io.out : io.err)(formatReplayResult(result));
    return result.ok ? 0 : 1;
  } catch (err) {
    io.err(`esb-agent replay: ${args[0]} is not a valid journal: ${(err as Error).message}`);
    return 1;
  }
}
