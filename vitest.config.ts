import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

/**
 * Three projects:
 * - unit: engine and renderer unit tests plus in-memory integration tests (fast, parallel);
 * - interop: tests against real peers (Kamailio, baresip, SIPp, PulseAudio), run one file at a
 *   time because they share the machine's audio server and CPU;
 * - e2e: the renderer in Debian's Chromium driven by playwright-core.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src-main/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/support/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'renderer',
          include: ['src-renderer/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
