/**
 * A lean unary gRPC client for InvokeWorker on `node:http2`, for the invoke bench's `grpc-h2`
 * mode: the gateway is a Go (grpc-go) client, far cheaper per call than grpc-js, and this client
 * does roughly what grpc-go does on the wire and little else, so the bench's proxied figures
 * are not dominated by the load generator.
 *
 * One HTTP/2 session (cleartext, prior knowledge); each call is one stream: HEADERS
 * (`:method POST`, `:path /esb.agent.v1.AgentService/InvokeWorker`, `content-type:
 * application/grpc`, `te: trailers`), then the request as one length-prefixed message
 * (1 byte compressed flag = 0, 4 bytes big-endian length, the protobuf bytes) that is encoded
 * once per distinct request, then END_STREAM. The answer must be `:status 200` with
 * `grpc-status 0` in the trailers (or in the headers of a trailers-only answer) and exactly
 * one uncompressed message, which is decoded.
 */
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO = fileURLToPath(new URL('../proto/esb/agent/v1/agent.proto', import.meta.url));
const INVOKE_PATH = '/esb.agent.v1.AgentService/InvokeWorker';

/** The InvokeWorkerRequest fields the bench sends (snake_case, as in the proto). */
export type H2InvokeRequest = {
  container_id: string;
  owner_id: string;
  path: string;
  payload: Buffer;
  headers: Record<string, string>;
  timeout_ms: number;
};

/** The decoded InvokeWorkerResponse. */
export interface H2InvokeResponse {
  status_code: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface H2InvokeClient {
  /**
   * Encodes `req` once and returns a function that sends it as one InvokeWorker call.
   * The call rejects with an Error carrying `code` (the grpc-status) when the call fails.
   */
  prepare(req: H2InvokeRequest): () => Promise<H2InvokeResponse>;
  close(): Promise<void>;
}

/** A framed gRPC message: flag 0 (uncompressed), 4-byte big-endian length, bytes. Pure. */
export function frameMessage(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/**
 * The single message of a gRPC response body. Pure.
 * @throws Error when the body is not exactly one uncompressed message.
 */
export function unframeMessage(body: Buffer): Buffer {
  if (body.length < 5) throw new Error(`grpc-h2: response body of ${body.length} bytes, no message`);
  if (body[0] !== 0) throw new Error('grpc-h2: compressed response message');
  const len = body.readUInt32BE(1);
  if (body.length !== 5 + len) throw new Error(`grpc-h2: response framing ${body.length} bytes for a ${len}-byte message`);
  return body.subarray(5);
}

class GrpcCallError extends Error {
  constructor(readonly code: number, details: string) {
    super(`grpc-h2: grpc-status ${code}${details ? `: ${details}` : ''}`);
  }
}

/** Connects to the agent at `authority` (`host:port`, cleartext). */
export async function connectH2Invoke(authority: string): Promise<H2InvokeClient> {
  const root = new protobuf.Root().loadSync(PROTO, { keepCase: true });
  const Req = root.lookupType('esb.agent.v1.InvokeWorkerRequest');
  const Res = root.lookupType('esb.agent.v1.InvokeWorkerResponse');
  const session = http2.connect(`http://${authority}`);
  session.on('error', () => undefined); // surfaced through the streams
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  const headers = {
    [http2.constants.HTTP2_HEADER_METHOD]: 'POST',
    [http2.constants.HTTP2_HEADER_PATH]: INVOKE_PATH,
    [http2.constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    [http2.constants.HTTP2_HEADER_TE]: 'trailers',
  };

  const call = (frame: Buffer): Promise<H2InvokeResponse> => new Promise((resolve, reject) => {
    const stream = session.request(headers);
    const chunks: Buffer[] = [];
    let size = 0;
    let status: string | undefined;
    let details = '';
    let httpStatus = 0;
    const readStatus = (h: http2.IncomingHttpHeaders): void => {
      const s = h['grpc-status'];
      if (typeof s === 'string') {
        status = s;
        const m = h['grpc-message'];
        details = typeof m === 'string' ? decodeURIComponent(m) : '';
      }
    };
    stream.on('response', (h) => {
      httpStatus = Number(h[':status']);
      readStatus(h);
    });
    stream.on('trailers', readStatus);
    stream.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    });
    stream.on('error', reject);
    stream.on('close', () => {
      if (httpStatus !== 200) return reject(new Error(`grpc-h2: HTTP status ${httpStatus} (stream closed with code ${stream.rstCode})`));
      if (status === undefined) return reject(new Error('grpc-h2: no grpc-status'));
      if (status !== '0') return reject(new GrpcCallError(Number(status), details));
      try {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        // The decoded message carries the fields (snake_case, defaults on its prototype).
        resolve(Res.decode(unframeMessage(body)) as unknown as H2InvokeResponse);
      } catch (err) {
        reject(err);
      }
    });
    stream.end(frame);
  });

  return {
    prepare(req) {
      const frame = frameMessage(Req.encode(Req.fromObject(req)).finish());
      return () => call(frame);
    },
    close: () => new Promise<void>((resolve) => session.close(() => resolve())),
  };
}
