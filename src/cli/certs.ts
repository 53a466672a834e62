/** `esb-agent certs <dir>`: writes a development mTLS set and prints the env to use it. */
import { AgentError } from '../errors.js';
import { devCertEnv, generateDevCerts } from '../certs/dev-certs.js';
import type { CliIo } from './io.js';

/** Exit codes: 0 written, 1 failed (message on stderr), 2 usage error. */
export async function certsCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length !== 1 || !args[0] || args[0].startsWith('-')) {
    io.err('usage: esb-agent certs <dir>');
    return 2;
  }
  try {
    const paths = await generateDevCerts(args[0]);
    io.out(`Wrote a development certificate set to ${paths.dir}:`);
    io.out('  rootCA.crt, rootCA.key   certificate authority (keep the key private)');
    io.out('  server.crt, server.key   agent (SANs localhost, 127.0.0.1, ::1, agent, this host)');
    io.out('  client.crt, client.key   gateway client (CN gateway)');
    io.out('Start the agent with:');
    for (const [name, value] of Object.entries(devCertEnv(paths))) io.out(`  export ${name}=${value}`);
    return 0;
  } catch (err) {
    io.err(`esb-agent certs: ${err instanceof AgentError || err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
