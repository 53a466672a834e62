import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure, simulated runtime, loopback gRPC) and `integration`
// (`*.int.test.ts`: real containerd/dockerd/registry/browser; they skip loudly when the
// daemons are missing outside CI).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
