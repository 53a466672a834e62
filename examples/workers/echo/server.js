// Echo worker: a small Lambda RIE stand-in for esb-agent tests (Node ESM, no dependencies).
// Contract and switches are documented in README.md beside this file.
import http from 'node:http';
import os from 'node:os';
import { randomUUID } from 'node:crypto';

const PORT = Number(process.env.ECHO_PORT || 8080);
const INIT_MS = Number(process.env.ECHO_INIT_MS || 0);
const GRACE_MS = Number(process.env.ECHO_GRACE_MS || 2000);
const IGNORE_SIGTERM = process.env.ECHO_IGNORE_SIGTERM === '1';
const INVOKE_PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations\/?(\?.*)?$/;
const startedAt = Date.now();
const stats = { received: 0, accepted: 0, rejected: 0, completed: 0, errors: 0, inFlight: 0 };
let initDurationMs = null;
const hoard = [];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Write a JSON reply with optional extra headers. */
function reply(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Read the whole request body as a string. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Parse the payload; non-JSON payloads are echoed as strings and switch nothing. */
function parseEvent(raw) {
  try { return raw === '' ? {} : JSON.parse(raw); } catch { return raw; }
}

/** Allocate and touch memory until the cgroup OOM killer ends the process. */
function allocateForever() {
  const chunk = Buffer.alloc(32 * 1024 * 1024, 1);
  hoard.push(chunk);
  setImmediate(allocateForever);
}

/** Run one accepted invocation according to the payload switches. */
async function handle(req, res, raw, n, requestId) {
  if (initDurationMs === null) {
    const t = Date.now();
    if (INIT_MS > 0) await sleep(INIT_MS);
    initDurationMs = Date.now() - t;
  }
  const event = parseEvent(raw);
  const sw = event && typeof event === 'object' && !Array.isArray(event) ? event : {};
  if (sw.resetAfterBody) { req.socket.destroy(); return; }
  if (sw.crash) { console.log(`crash requested (invocation ${n})`); process.exit(Number(sw.exitCode ?? 1)); }
  if (sw.oom) { allocateForever(); return; }
  if (Number(sw.sleepMs) > 0) await sleep(Number(sw.sleepMs));
  if (sw.fail) {
    stats.errors++;
    const errorMessage = typeof sw.fail === 'string' ? sw.fail : 'function failed on request';
    return reply(res, 200, { errorType: 'Error', errorMessage, requestId }, { 'X-Amz-Function-Error': 'Unhandled' });
  }
  if (Number(sw.responseBytes) >= 0 && sw.responseBytes !== undefined) {
    const size = Number(sw.responseBytes);
    return reply(res, 200, size < 2 ? 'a'.repeat(size) : `"${'a'.repeat(size - 2)}"`);
  }
  const detail = { echo: event, headers: req.headers, invocation: n, requestId, pid: process.pid,
    hostname: os.hostname(), initDurationMs, uptimeMs: Date.now() - startedAt };
  reply(res, 200, { statusCode: 200, body: JSON.stringify(detail), ...detail });
}

/** POST .../functions/<name>/invocations: one at a time, like RIE classic mode. */
async function invoke(req, res) {
  stats.received++;
  if (stats.inFlight > 0) {
    stats.rejected++;
    req.resume();
    return reply(res, 400, { errorType: 'AlreadyReserved', errorMessage: 'AlreadyReserved: an invocation is already in progress' });
  }
  stats.inFlight++; stats.accepted++;
  const n = stats.accepted;
  const requestId = req.headers['x-amzn-requestid'] || randomUUID();
  const done = () => { stats.inFlight = Math.max(0, stats.inFlight - 1); };
  res.on('close', done);
  try {
    const raw = await readBody(req);
    await handle(req, res, raw, n, requestId);
    if (res.writableEnded) stats.completed++;
  } catch (err) {
    if (!res.headersSent) reply(res, 500, { errorType: 'InternalError', errorMessage: String(err) });
  }
}

const server = http.createServer((req, res) => {
  const path = req.url || '/';
  if (req.method === 'GET' && path.startsWith('/__stats')) {
    return reply(res, 200, { ...stats, pid: process.pid, initDone: initDurationMs !== null, uptimeMs: Date.now() - startedAt });
  }
  if (INVOKE_PATH.test(path)) {
    if (req.method !== 'POST') return reply(res, 405, { errorType: 'MethodNotAllowed', errorMessage: 'use POST' });
    return void invoke(req, res);
  }
  reply(res, 404, { errorType: 'NotFound', errorMessage: `no route for ${req.method} ${path}` });
});

process.on('SIGTERM', () => {
  if (IGNORE_SIGTERM) { console.log('SIGTERM ignored (ECHO_IGNORE_SIGTERM=1)'); return; }
  console.log('SIGTERM: closing');
  server.close(() => process.exit(0));
  server.closeIdleConnections?.();
  setTimeout(() => process.exit(0), GRACE_MS).unref();
});
process.on('SIGINT', () => process.exit(0));

server.listen(PORT, '0.0.0.0', () => console.log(`echo worker listening on ${server.address().port} (pid ${process.pid})`));
