/**
 * CPU of this whole process (every thread, from /proc/<pid>/task/<tid>/schedstat), for the
 * device loops run as children by `call-peers.bench.ts`: native threads (PortAudio, PulseAudio
 * client threads, the libuv pool) count too, which `process.cpuUsage` also covers but without a
 * per-thread view.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function processCpuNs(): number {
  return readdirSync(`/proc/${process.pid}/task`).reduce((sum, tid) => {
    try {
      return sum + Number(readFileSync(`/proc/${process.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      return sum; // the thread ended while we read
    }
  }, 0);
}

/**
 * After a 3 s start, measures `seconds` and prints `RESULT <cpu %> <chunks/s>` (the loops'
 * one-line protocol), then exits. `chunks()` counts the frames moved so far.
 */
export function reportLoopCpu(seconds: number, chunks: () => number, before?: () => void): void {
  setTimeout(() => {
    const c0 = processCpuNs();
    const t0 = performance.now();
    const n0 = chunks();
    setTimeout(() => {
      const ms = performance.now() - t0;
      before?.();
      console.log(`RESULT ${(((processCpuNs() - c0) / (ms * 1e6)) * 100).toFixed(2)} ${(((chunks() - n0) * 1000) / ms).toFixed(1)}`);
      process.exit(0);
    }, seconds * 1000);
  }, 3000);
}
