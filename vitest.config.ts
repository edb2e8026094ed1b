import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One test file per core. Vitest's default (cores - 1) leaves a 2-core CI machine running one file at a time,
    // while the CLI and terminal tests mostly wait on the processes they start. The e2e project stays serial
    // (fileParallelism: false); test/e2e/lanes.mjs runs its lanes side by side instead.
    maxWorkers: Math.max(2, availableParallelism()),
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'ui', include: ['test/ui/**/*.test.tsx'], environment: 'node' } },
      {
        test: {
          name: 'cli',
          include: ['test/cli/**/*.test.ts', 'test/pty/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
