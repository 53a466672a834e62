/** What a subcommand may touch of the outside world; `src/cli.ts` builds it from the process. */
export interface CliIo {
  /** The environment (`serve` reads it; `image` takes its defaults from it). */
  env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
  /** Resolves with the name of the first SIGTERM/SIGINT received. */
  waitForSignal(): Promise<string>;
}

/** A subcommand: arguments after its name → exit code. */
export type Command = (args: readonly string[], io: CliIo) => Promise<number>;
