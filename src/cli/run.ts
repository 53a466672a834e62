/**
 * The `esb-agent` command line: dispatches to one subcommand per file. Unknown subcommands
 * print the usage and exit 2.
 */
import { certsCommand } from './certs.js';
import { imageCommand } from './image-command.js';
import type { CliIo, Command } from './io.js';
import { runJournalCommand } from './journal-command.js';
import { replayCommand } from './replay.js';
import { serveCommand } from './serve.js';
import { USAGE } from './usage.js';

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: serveCommand,
  certs: certsCommand,
  replay: replayCommand,
  journal: runJournalCommand,
  image: imageCommand,
};

/** Runs the command line `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`esb-agent: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return command(args, io);
}
