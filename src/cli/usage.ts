/** The CLI's help text. */
export const USAGE = `Usage: esb-agent <command> [arguments]

Commands:
  serve              Start the agent (gRPC AgentService) configured from the environment
  certs <dir>        Write a development mTLS set (CA, server and client certificates) into <dir>
  replay <journal>   Replay a worker journal (AGENT_JOURNAL output) through the machines;
                     prints "replay ok" (exit 0) or the first divergence (exit 1)
  help               Show this help

Run 'esb-agent serve' with AGENT_RUNTIME=simulated to try the agent without containers.`;
