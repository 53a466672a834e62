/**
 * Loads the esb.agent.v1 contract from `proto/` with the options the generated types were
 * made with (keepCase, longs/enums as strings, defaults, oneofs). Field names therefore stay
 * snake_case in handlers and in reflection, exactly as in the Go agent's proto.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { AgentServiceDefinition } from './generated/esb/agent/v1/AgentService.js';
import type { ProtoGrpcType } from './generated/agent.js';

/** Absolute path of the repository's `proto/` folder (same depth from `src/` and `dist/`). */
export const PROTO_ROOT = fileURLToPath(new URL('../../proto/', import.meta.url));

/** The contract file, relative to {@link PROTO_ROOT}. */
export const AGENT_PROTO_FILE = 'esb/agent/v1/agent.proto';

/** Full service name, as clients and health checks spell it. */
export const AGENT_SERVICE_NAME = 'esb.agent.v1.AgentService';

/** proto-loader options shared by the server, the tests and `gen:proto`. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface AgentProto {
  packageDefinition: protoLoader.PackageDefinition;
  service: AgentServiceDefinition;
}

/** Reads and parses `proto/esb/agent/v1/agent.proto`. Throws when the file is missing or invalid. */
export function loadAgentProto(): AgentProto {
  const packageDefinition = protoLoader.loadSync(AGENT_PROTO_FILE, { ...LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
  return { packageDefinition, service: loaded.esb.agent.v1.AgentService.service };
}
