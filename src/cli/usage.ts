/** The CLI's help text. */
export const USAGE = `Usage: esb-agent <command> [arguments]

Commands:
  serve              Start the agent (gRPC AgentService) configured from the environment
  certs <dir>        Write a development mTLS set (CA, server and client certificates) into <dir>
  replay <journal>   Replay a worker journal (AGENT_JOURNAL output) through the machines;
                     prints "replay ok" (exit 0) or the first divergence (exit 1)
  journal show|tail <file> [worker-id]
                     Print a journal as a timeline (tail follows it; -n N, --no-follow)
  image import <tar> [--namespace NS] [--name REF]
                     Load an OCI or docker-archive image into containerd without a registry
  help               Show this help

Run 'esb-agent serve' with AGENT_RUNTIME=simulated to try the agent without containers.`;
