/**
 * `esb-agent replay <journal>`: replays a worker journal through the machines and prints
 * "replay ok" (exit 0) or the divergence report (exit 1).
 */
import type { CliIo } from './io.js';

/** Exit codes: 0 replay ok, 1 divergence or unreadable journal, 2 usage error. */
export async function replayCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length !== 1 || !args[0] || args[0].startsWith('-')) {
    io.err('usage: esb-agent replay <journal>');
    return 2;
  }
  io.err('esb-agent replay: the journal replayer is not part of this build yet');
  return 1;
}
