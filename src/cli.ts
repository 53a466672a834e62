/**
 * Entry point of the `esb-agent` binary (`bin/esb-agent.js` imports the compiled file). The
 * only module that touches `process`: it hands the environment, stdio and signals to the
 * subcommands and sets the exit code.
 */
import { runCli } from './cli/run.js';
import type { CliIo } from './cli/io.js';

const io: CliIo = {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  waitForSignal: () =>
    new Promise((resolve) => {
      const onSignal = (signal: NodeJS.Signals): void => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve(signal);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    }),
};

const code = await runCli(process.argv.slice(2), io);
process.exitCode = code;
// A forced stop (second signal) exits at once; otherwise give stray handles a few seconds to
// close by themselves. The timer is unref'd: it never keeps a finished process alive.
if (code === 130) process.exit(code);
setTimeout(() => process.exit(code), 5_000).unref();
