/**
 * Child process for naudiodon-device.test.ts (PortAudio must initialise with PULSE_SERVER
 * already in its environment, so it runs in its own process). Lists the devices, captures
 * `seconds` from the default input into `capturePath` (16 kHz WAV), and meanwhile plays an
 * 880 Hz tone to the default output, one 20 ms frame per captured frame. Prints PLAYING at the
 * first captured frame, and one JSON line at the end.
 */
import { writeFileSync } from 'node:fs';
import { systemClock } from '../../src-main/base/clock';
import { NaudiodonBackend } from '../../src-main/audio/naudiodon-device';
import { encodeWav } from '../../src-main/media/wav';

const [capturePath, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? '3');
const rate = 16000;
const backend = new NaudiodonBackend({ clock: systemClock });
const devices = backend.listDevices();
const input = backend.openInput('default', { sampleRate: rate });
const output = backend.openOutput('default', { sampleRate: rate });
const captured = new Int16Array(rate * seconds);
const tone = new Int16Array(320);
let at = 0;
let phase = 0;
let errors = 0;
input.on('error', (e) => { errors++; process.stderr.write(`input error: ${e.message}\n`); });
output.on('error', (e) => { errors++; process.stderr.write(`output error: ${e.message}\n`); });
// Prime the output with 60 ms so it never starves.
for (let i = 0; i < 3; i++) output.writeFrame(tone);
await new Promise<void>((resolve) => {
  input.on('frame', (f) => {
    if (at === 0) process.stdout.write('PLAYING\n');
    if (at < captured.length) captured.set(f.subarray(0, Math.min(f.length, captured.length - at)), at);
    at += f.length;
    for (let i = 0; i < tone.length; i++) {
      tone[i] = Math.round(8000 * Math.sin(phase));
      phase += (2 * Math.PI * 880) / rate;
    }
    output.writeFrame(tone);
    if (at >= captured.length) resolve();
  });
});
await Promise.all([input.close(), output.close()]);
writeFileSync(capturePath!, encodeWav(captured, rate));
process.stdout.write(JSON.stringify({ devices, frames: at / 320, errors }) + '\n');
process.exit(0);
