import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

/**
 * Projects:
 * - unit: engine and renderer unit tests plus in-memory integration tests (fast, parallel);
 * - realtime: tests that measure real-time media behaviour, one file at a time;
 * - interop: tests against real peers (Kamailio, baresip, SIPp, PulseAudio), run one file at a
 *   time because they share the machine's audio server and CPU;
 * - e2e: the renderer in Debian's Chromium driven by playwright-core.
 */
const REALTIME = ['test/integration/media-isolation.test.ts', 'test/integration/media-worker.test.ts', 'test/integration/media-loopback.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src-main/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/support/**/*.test.ts'],
          exclude: REALTIME,
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
        // Tests that measure real-time behaviour (deadline misses, audio over real UDP in real
        // time): one file at a time, after the parallel phase, so they are not starved of CPU.
        test: {
          name: 'realtime',
          include: REALTIME,
          environment: 'node',
          testTimeout: 60_000,
          fileParallelism: false,
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
