/* eslint-disable no-console -- a measurement script: printing is its purpose */
/**
 * Step 1 of native/README.md's "parley-audio" section: naudiodon vs parley-audio moving the
 * PulseAudio microphone to the speaker (bench/naudiodon-loop.ts vs bench/portaudio-ring-loop.ts),
 * alternated in one run under the test bed's PulseAudio, medians of `RUNS` runs each.
 *   node --import tsx native/parley-audio/measure-loops.ts [runs=5] [seconds=8]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPulseAudio } from '../../test/interop/support/pulseaudio';
import { writeSpeechWav } from '../../test/integration/media-fixture';

const runs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 8);
const bench = fileURLToPath(new URL('../../bench/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-loops-'));
const pulse = await startPulseAudio();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
try {
  await pulse.setMicrophoneWav(writeSpeechWav(join(dir, 'mic.wav'), 30, 48000, 7));
  const results: Record<string, number[]> = { 'naudiodon-loop.ts': [], 'portaudio-ring-loop.ts': [] };
  for (let i = 0; i < runs; i++) {
    for (const file of Object.keys(results)) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(bench, file), String(seconds)], { env: { ...process.env, ...pulse.env }, encoding: 'utf8', timeout: (seconds + 30) * 1000 });
      const m = /^RESULT ([\d.]+) ([\d.]+)/m.exec(r.stdout);
      console.log(`${file}: ${m ? `${m[1]} % (${m[2]} frames/s)` : `no figure: ${r.stdout.trim()} ${r.stderr.trim().split('\n').at(-1)}`}`);
      if (m) results[file]!.push(Number(m[1]));
    }
  }
  for (const [file, xs] of Object.entries(results)) console.log(`median ${file}: ${median(xs).toFixed(2)} % of one core (${xs.join(', ')})`);
} finally {
  await pulse.dispose();
  rmSync(dir, { recursive: true, force: true });
}
