#!/usr/bin/env node
// A tiny esb.agent.v1 client built only from proto/esb/agent/v1/agent.proto (no grpcurl needed).
//
//   node scripts/agent-client.mjs demo [image]          Ensure → Invoke → List → Metrics → Destroy
//   node scripts/agent-client.mjs ensure <function> [image]
//   node scripts/agent-client.mjs list
//   node scripts/agent-client.mjs invoke <container_id> ['{"json":"payload"}']
//   node scripts/agent-client.mjs pause|resume|metrics|destroy <container_id>
//
// Env: AGENT_ADDR (default 127.0.0.1:50051), AGENT_CERT_DIR (default /var/lib/esb-agent-dev/certs:
// rootCA.crt, client.crt, client.key as written by `esb-agent certs`), AGENT_GRPC_TLS_DISABLED=1
// for a plain-text agent, OWNER_ID (default dev), IMAGE (default 127.0.0.1:5000/esb/echo:latest).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('../proto/esb/agent/v1/agent.proto', import.meta.url));
const env = process.env;
const ADDR = env.AGENT_ADDR || '127.0.0.1:50051';
const CERTS = env.AGENT_CERT_DIR || '/var/lib/esb-agent-dev/certs';
const OWNER = env.OWNER_ID || 'dev';
const IMAGE = env.IMAGE || '127.0.0.1:5000/esb/echo:latest';

function credentials() {
  if (env.AGENT_GRPC_TLS_DISABLED === '1') return grpc.credentials.createInsecure();
  const read = (name) => readFileSync(`${CERTS}/${name}`);
  return grpc.credentials.createSsl(read('rootCA.crt'), read('client.key'), read('client.crt'));
}

function connect() {
  const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
  const { AgentService } = grpc.loadPackageDefinition(def).esb.agent.v1;
  // The dev server certificate names localhost; an IP address is not a valid TLS server name.
  const host = ADDR.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const ip = /^[\d.]+$|:/.test(host);
  const options = ip && env.AGENT_GRPC_TLS_DISABLED !== '1' ? { 'grpc.ssl_target_name_override': 'localhost' } : {};
  return new AgentService(ADDR, credentials(), options);
}

/** One unary call as a promise (30 s deadline; Ensure may pull an image, so 120 s). */
function call(client, method, request) {
  const deadline = new Date(Date.now() + (method === 'EnsureContainer' ? 120_000 : 30_000));
  return new Promise((resolve, reject) => {
    client[method](request, { deadline }, (err, reply) => (err ? reject(err) : resolve(reply)));
  });
}

const show = (label, value) => console.log(`${label}:`, JSON.stringify(value, null, 2));
const decodeInvoke = (r) => ({ status_code: r.status_code, headers: r.headers, body: Buffer.from(r.body).toString() });

async function demo(client, image) {
  const info = await call(client, 'EnsureContainer', { function_name: 'hello', image, owner_id: OWNER, env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' } });
  show('EnsureContainer', info);
  const ref = { container_id: info.id, owner_id: OWNER };
  show('InvokeWorker', decodeInvoke(await call(client, 'InvokeWorker', { ...ref, payload: Buffer.from('{"hello":"agent"}'), timeout_ms: 10_000 })));
  show('ListContainers', await call(client, 'ListContainers', { owner_id: OWNER }));
  show('GetContainerMetrics', await call(client, 'GetContainerMetrics', ref));
  show('DestroyContainer', await call(client, 'DestroyContainer', ref));
}

async function main(argv) {
  const [cmd, a, b] = argv;
  const client = connect();
  const ref = { container_id: a, owner_id: OWNER };
  try {
    switch (cmd) {
      case 'demo': return await demo(client, a || IMAGE);
      case 'ensure': return show('EnsureContainer', await call(client, 'EnsureContainer', { function_name: a || 'hello', image: b || IMAGE, owner_id: OWNER, env: {} }));
      case 'list': return show('ListContainers', await call(client, 'ListContainers', { owner_id: OWNER }));
      case 'invoke': return show('InvokeWorker', decodeInvoke(await call(client, 'InvokeWorker', { ...ref, payload: Buffer.from(b || '{}'), timeout_ms: 30_000 })));
      case 'pause': return show('PauseContainer', await call(client, 'PauseContainer', ref));
      case 'resume': return show('ResumeContainer', await call(client, 'ResumeContainer', ref));
      case 'metrics': return show('GetContainerMetrics', await call(client, 'GetContainerMetrics', ref));
      case 'destroy': return show('DestroyContainer', await call(client, 'DestroyContainer', ref));
      default:
        console.error('usage: agent-client.mjs demo [image] | ensure <fn> [image] | list | invoke <id> [json] | pause|resume|metrics|destroy <id>');
        process.exitCode = 2;
    }
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`agent-client: ${err.code !== undefined ? `${grpc.status[err.code]}: ${err.details}` : err.message}`);
  process.exitCode = 1;
});
