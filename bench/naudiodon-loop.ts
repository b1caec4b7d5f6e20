/**
 * naudiodon alone, for `call-peers.bench.ts`: the default PortAudio input is read in 20 ms
 * chunks at 48 kHz and each chunk written to the default output (what the engine's device side
 * does, without SIP, RTP or codecs). Prints one line, `RESULT <cpu %> <chunks/s>`: this
 * process's CPU over `seconds` (every thread), after a 3 s start. Run with PulseAudio's env.
 */
import { reportLoopCpu } from './process-cpu';
import { createRequire } from 'node:module';
import type * as Naudiodon from 'naudiodon';

const seconds = Number(process.argv[2] ?? 8);
const pa = createRequire(import.meta.url)('naudiodon') as typeof Naudiodon;
const frame = 960;
const options = (deviceId: number): Naudiodon.AudioOptions => ({
  deviceId, sampleRate: 48000, channelCount: 1, sampleFormat: 16, framesPerBuffer: frame, highwaterMark: frame * 2, maxQueue: 4, closeOnError: false,
});
const devices = pa.getDevices();
const input = devices.find((d) => d.name === 'default' && d.maxInputChannels > 0);
const output = devices.find((d) => d.name === 'default' && d.maxOutputChannels > 0);
if (!input || !output) {
  console.log('RESULT none: no default PortAudio devices');
  process.exit(1);
}
const inStream = pa.AudioIO({ inOptions: options(input.id) });
const outStream = pa.AudioIO({ outOptions: options(output.id) });
let chunks = 0;
inStream.on('data', (b: Buffer) => {
  chunks++;
  outStream.write(b);
});
inStream.start();
outStream.start();

reportLoopCpu(seconds, () => chunks);
