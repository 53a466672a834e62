/**
 * `esb-agent serve`: starts the agent from the environment and runs until SIGTERM or SIGINT,
 * then stops it (health NOT_SERVING, graceful gRPC shutdown with a timeout, then forced).
 * A second signal while stopping exits at once.
 */
import { startAgent, type RunningAgent } from '../main.js';
import type { CliIo } from './io.js';

/** Exit codes: 0 after a clean stop, 1 when startup fails (one line on stderr), 2 usage, 130 forced. */
export async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length > 0) {
    io.err('usage: esb-agent serve   (configured from the environment; see README)');
    return 2;
  }
  let agent: RunningAgent;
  try {
    agent = await startAgent(io.env);
  } catch (err) {
    io.err(`esb-agent: cannot start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const signal = await io.waitForSignal();
  agent.log.info({ signal }, 'signal received, stopping (send it again to exit at once)');
  const forced = io.waitForSignal().then(() => 130);
  return Promise.race([agent.stop(signal).then(() => 0), forced]);
}
