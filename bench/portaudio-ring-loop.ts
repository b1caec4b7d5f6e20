/**
 * Parley's own PortAudio addon alone (native/parley-audio), for `call-peers.bench.ts`, the twin
 * of `naudiodon-loop.ts`: the default PortAudio input is captured in 20 ms periods at 48 kHz
 * (callback mode, a lock-free ring, one wake-up of the JS thread per period) and each frame is
 * written to the default output's ring. `RING_DUPLEX=1`: one duplex stream instead of two. Prints one line, `RESULT <cpu %> <frames/s>`: this
 * process's CPU over `seconds` (every thread), after a 3 s start. Run with PulseAudio's env.
 */
import { reportLoopCpu } from './process-cpu';
import { createRequire } from 'node:module';

interface Device { index: number; name: string; maxInputChannels: number; maxOutputChannels: number; isDefaultInput: boolean; isDefaultOutput: boolean }
interface Addon {
  devices(): Device[];
  open(o: { device: number; direction: 'input' | 'output' | 'duplex'; sampleRate: number; framesPerPeriod: number; periods?: number }, onFrame?: (f: Int16Array) => void): object;
  start(h: object): void;
  write(h: object, f: Int16Array): boolean;
  stats(h: object): { frames: number; overruns: number; underruns: number; xruns: number };
}

const seconds = Number(process.argv[2] ?? 8);
let pa: Addon;
try {
  pa = createRequire(import.meta.url)('../native/parley-audio/build/Release/parley_audio.node') as Addon;
} catch (e) {
  console.log(`RESULT none: parley-audio not built (${(e as Error).message.split('\n')[0]})`);
  process.exit(1);
}
const frame = 960;
const devices = pa.devices();
const input = devices.find((d) => d.name === 'default' && d.maxInputChannels > 0);
const output = devices.find((d) => d.name === 'default' && d.maxOutputChannels > 0);
if (!input || !output) {
  console.log('RESULT none: no default PortAudio devices');
  process.exit(1);
}
let chunks = 0;
let inp: object;
let out: object;
if (process.env.RING_DUPLEX === '1') {
  // One duplex stream: its callback fills the capture ring and drains the playback ring.
  inp = out = pa.open({ device: input.index, direction: 'duplex', sampleRate: 48000, framesPerPeriod: frame, periods: 10 }, (f) => {
    chunks++;
    pa.write(out, f);
  });
  pa.start(inp);
} else {
  const o = pa.open({ device: output.index, direction: 'output', sampleRate: 48000, framesPerPeriod: frame, periods: 10 });
  out = o;
  inp = pa.open({ device: input.index, direction: 'input', sampleRate: 48000, framesPerPeriod: frame, periods: 10 }, (f) => {
    chunks++;
    pa.write(o, f);
  });
  pa.start(inp);
  pa.start(out);
}

reportLoopCpu(seconds, () => chunks, () => console.error(`output stats: ${JSON.stringify(pa.stats(out))}, input stats: ${JSON.stringify(pa.stats(inp))}`));
