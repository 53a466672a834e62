/**
 * Loads our containerd 1.6 API subset (`proto/containerd/**`) once: a protobufjs Root for
 * `google.protobuf.Any` payloads (metrics, events, runc options) and the grpc-js service
 * constructors built from it through `@grpc/proto-loader`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

/** Include root of the vendored protos (import paths keep the Go layout). */
export const CONTAINERD_PROTO_ROOT = fileURLToPath(new URL('../../../proto/containerd', import.meta.url));

const API = 'github.com/containerd/containerd/api';

/** Every file we load; services pull in their types through imports. */
export const CONTAINERD_PROTO_FILES = [
  `${API}/services/containers/v1/containers.proto`,
  `${API}/services/tasks/v1/tasks.proto`,
  `${API}/services/snapshots/v1/snapshots.proto`,
  `${API}/services/content/v1/content.proto`,
  `${API}/services/images/v1/images.proto`,
  `${API}/services/diff/v1/diff.proto`,
  `${API}/services/leases/v1/leases.proto`,
  `${API}/services/events/v1/events.proto`,
  `${API}/services/version/v1/version.proto`,
  `${API}/types/platform.proto`,
  `${API}/events/task.proto`,
  'github.com/containerd/containerd/runtime/v2/runc/options/oci.proto',
  'github.com/containerd/cgroups/stats/v1/metrics.proto',
  'github.com/containerd/cgroups/v2/stats/metrics.proto',
];

/** Conversion options used for every decoded message. */
export const DECODE_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  bytes: Buffer as unknown as typeof String,
};

/** Service names we construct clients for, keyed by short name. */
export const SERVICE_PATHS = {
  containers: 'containerd.services.containers.v1.Containers',
  tasks: 'containerd.services.tasks.v1.Tasks',
  snapshots: 'containerd.services.snapshots.v1.Snapshots',
  content: 'containerd.services.content.v1.Content',
  images: 'containerd.services.images.v1.Images',
  diff: 'containerd.services.diff.v1.Diff',
  leases: 'containerd.services.leases.v1.Leases',
  events: 'containerd.services.events.v1.Events',
  version: 'containerd.services.version.v1.Version',
} as const;

export type ServiceName = keyof typeof SERVICE_PATHS;

export interface ContainerdProtos {
  root: protobuf.Root;
  services: Record<ServiceName, grpc.ServiceClientConstructor>;
}

let cached: ContainerdProtos | undefined;

/** Loads (once) and returns the protobufjs root and the service constructors. Throws on a broken proto tree. */
export function loadContainerdProtos(): ContainerdProtos {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (target.startsWith('google/protobuf/')) return target; // bundled with protobufjs
    const full = join(CONTAINERD_PROTO_ROOT, target);
    return existsSync(full) ? full : target;
  };
  root.loadSync(CONTAINERD_PROTO_FILES, { keepCase: true });
  root.resolveAll();
  const definition = protoLoader.fromJSON(root.toJSON(), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition);
  const services = {} as Record<ServiceName, grpc.ServiceClientConstructor>;
  for (const [name, path] of Object.entries(SERVICE_PATHS) as [ServiceName, string][]) {
    let node: unknown = pkg;
    for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
    services[name] = node as grpc.ServiceClientConstructor;
  }
  cached = { root, services };
  return cached;
}

/** Decodes a `google.protobuf.Any` whose `type_url` is a bare proto full name. Throws if unknown. */
export function decodeAny<T>(any: { type_url: string; value: Buffer | Uint8Array }): T {
  const { root } = loadContainerdProtos();
  const typeName = any.type_url.replace(/^.*\//, '');
  const type = root.lookupType(typeName);
  return type.toObject(type.decode(any.value), DECODE_OPTIONS) as T;
}

/** Encodes `value` as a `google.protobuf.Any` with the bare full name as type_url (containerd style). */
export function encodeAny(typeName: string, value: Record<string, unknown>): { type_url: string; value: Buffer } {
  const { root } = loadContainerdProtos();
  const type = root.lookupType(typeName);
  return { type_url: typeName, value: Buffer.from(type.encode(type.fromObject(value)).finish()) };
}
