import { describe, expect, it } from 'vitest';
import { createContainerdRuntime } from '../../../src/runtime/containerd/create-containerd-runtime.js';

describe('createContainerdRuntime', () => {
  it('goes from an absent socket to UNAVAILABLE naming the socket and the variable', async () => {
    await expect(
      createContainerdRuntime({
        socket: '/run/esb-no-such/containerd.sock',
        namespace: 'x',
        managedLabels: {},
        functionLabelKey: 'x_function',
        ownerLabelKey: 'com.x.owner',
        cni: { brand: 'x' },
      }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'containerd socket /run/esb-no-such/containerd.sock does not exist (CONTAINERD_SOCKET); is containerd running?',
    });
  });
});
