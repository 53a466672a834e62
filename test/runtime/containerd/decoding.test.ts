import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/errors.js';
import { mapContainerdError } from '../../../src/runtime/containerd/grpc-errors.js';
import { chainId, imageNameCandidates, normalizeImageRef } from '../../../src/runtime/containerd/image-ref.js';
import { decodeTaskMetrics, timestampMs } from '../../../src/runtime/containerd/metrics.js';
import { managedFilter, resolveSnapshotter } from '../../../src/runtime/containerd/options.js';
import { encodeAny } from '../../../src/runtime/containerd/proto.js';
import { decodeTaskEnvelope, taskEventFilter } from '../../../src/runtime/containerd/task-events.js';
import { mapTaskStatus } from '../../../src/runtime/containerd/worker-inventory.js';

describe('decodeTaskMetrics', () => {
  it('goes from cgroup v1 stats to usage, limit, oom kills and cpu ns', () => {
    const data = encodeAny('io.containerd.cgroups.v1.Metrics', {
      cpu: { usage: { total: '80941324' } },
      memory: { rss: '6668288', usage: { usage: '7839744', limit: '9223372036854771712' } },
      memory_oom_control: { oom_kill: '1' },
    });
    expect(decodeTaskMetrics(data)).toEqual({ memoryCurrent: 7839744n, memoryMax: 9223372036854771712n, oomEvents: 1n, cpuUsageNs: 80941324n });
  });

  it('goes from cgroup v2 stats to memory.current, memory.max, oom_kill else oom, usec × 1000', () => {
    const v2 = (events: Record<string, string>) =>
      encodeAny('io.containerd.cgroups.v2.Metrics', { cpu: { usage_usec: '1500' }, memory: { usage: '4096', usage_limit: '18446744073709551615' }, memory_events: events });
    expect(decodeTaskMetrics(v2({ oom: '3', oom_kill: '2' }))).toEqual({ memoryCurrent: 4096n, memoryMax: 18446744073709551615n, oomEvents: 2n, cpuUsageNs: 1500000n });
    expect(decodeTaskMetrics(v2({ oom: '3' })).oomEvents).toBe(3n);
  });

  it('refuses other payload types', () => {
    expect(() => decodeTaskMetrics({ type_url: 'x.Other', value: Buffer.alloc(0) })).toThrow(/unsupported metrics type/);
  });

  it('reads protobuf timestamps as epoch ms and the zero time as 0', () => {
    expect(timestampMs({ seconds: '1700000000', nanos: 5_000_000 })).toBe(1700000000005);
    expect(timestampMs({ seconds: '-62135596800', nanos: 0 })).toBe(0);
    expect(timestampMs(null)).toBe(0);
  });
});

describe('mapContainerdError', () => {
  const grpcErr = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });
  it.each([
    [status.NOT_FOUND, 'container "x" in namespace "n": not found', 'NOT_FOUND'],
    [status.ALREADY_EXISTS, 'snapshot x: already exists', 'ALREADY_EXISTS'],
    [status.FAILED_PRECONDITION, 'namespace is required', 'FAILED_PRECONDITION'],
    [status.UNAVAILABLE, 'ref locked', 'UNAVAILABLE'],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded', 'DEADLINE_EXCEEDED'],
    [status.INVALID_ARGUMENT, 'bad id', 'INVALID_ARGUMENT'],
    [status.UNIMPLEMENTED, 'media type', 'UNIMPLEMENTED'],
    [status.CANCELLED, 'cancelled', 'CANCELLED'],
    [status.UNKNOWN, 'cannot pause a paused container: unknown', 'INTERNAL'],
    [status.UNKNOWN, 'context deadline exceeded: unknown', 'DEADLINE_EXCEEDED'],
    [status.UNKNOWN, 'context canceled: unknown', 'CANCELLED'],
  ])('maps gRPC %i "%s" to %s with context', (code, details, expected) => {
    const e = mapContainerdError(grpcErr(code, details), 'containerd Tasks.Pause w1');
    expect(e).toBeInstanceOf(AgentError);
    expect(e.code).toBe(expected);
    expect(e.message).toBe(`containerd Tasks.Pause w1: ${details}`);
  });

  it('says containerd is not reachable for a missing socket', () => {
    const e = mapContainerdError(grpcErr(status.UNAVAILABLE, 'No connection established. Last error: connect ENOENT /x.sock'), 'containerd Version.Version');
    expect(e.message).toMatch(/containerd is not reachable/);
  });
});

describe('task events', () => {
  it('builds the namespace/topic filter', () => {
    expect(taskEventFilter('esb')).toBe('namespace==esb,topic~="^/tasks/(exit|oom)$"');
  });

  it('goes from TaskExit of the init process to an exit event and ignores exec exits', () => {
    const event = encodeAny('containerd.events.TaskExit', { container_id: 'w1', id: 'w1', pid: 42, exit_status: 137, exited_at: { seconds: 1700000000, nanos: 0 } });
    expect(decodeTaskEnvelope({ topic: '/tasks/exit', namespace: 'esb', event }, 5)).toEqual({ type: 'exit', name: 'w1', exitCode: 137, at: 1700000000000 });
    const exec = encodeAny('containerd.events.TaskExit', { container_id: 'w1', id: 'exec-1', exit_status: 0 });
    expect(decodeTaskEnvelope({ topic: '/tasks/exit', event: exec }, 5)).toBeUndefined();
    const oom = encodeAny('containerd.events.TaskOOM', { container_id: 'w2' });
    expect(decodeTaskEnvelope({ topic: '/tasks/oom', event: oom }, 7)).toEqual({ type: 'oom', name: 'w2', at: 7 });
  });
});

describe('image references', () => {
  it('normalises like docker and computes the OCI chain id', () => {
    expect(normalizeImageRef('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeImageRef('esb/echo')).toBe('docker.io/esb/echo:latest');
    expect(normalizeImageRef('127.0.0.1:5000/esb/echo')).toBe('127.0.0.1:5000/esb/echo:latest');
    expect(normalizeImageRef('localhost/x@sha256:ab')).toBe('localhost/x@sha256:ab');
    expect(imageNameCandidates('127.0.0.1:5000/esb/echo:latest')).toEqual(['127.0.0.1:5000/esb/echo:latest']);
    expect(chainId(['sha256:a'])).toBe('sha256:a');
    // sha256("sha256:a sha256:b")
    expect(chainId(['sha256:a', 'sha256:b'])).toBe('sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8');
  });
});

describe('small mappings', () => {
  it('maps task status to wire status', () => {
    expect(mapTaskStatus(undefined)).toBe('STOPPED');
    expect(mapTaskStatus({ status: 'RUNNING' })).toBe('RUNNING');
    expect(mapTaskStatus({ status: 'PAUSED' })).toBe('PAUSED');
    expect(mapTaskStatus({ status: 'STOPPED' })).toBe('STOPPED');
    expect(mapTaskStatus({ status: 'CREATED' })).toBe('UNKNOWN');
    expect(mapTaskStatus({ status: 'PAUSING' })).toBe('UNKNOWN');
  });

  it('resolves the snapshotter and builds the label filter', () => {
    expect(resolveSnapshotter(' native ', 'aws.firecracker')).toBe('native');
    expect(resolveSnapshotter(undefined, 'aws.firecracker')).toBe('devmapper');
    expect(resolveSnapshotter('', undefined)).toBe('overlayfs');
    expect(managedFilter({ created_by: 'esb-agent', 'com.esb.kind': 'function' })).toBe('labels."created_by"=="esb-agent",labels."com.esb.kind"=="function"');
  });
});
