import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toneAmplitude } from '../../test/support/signal';
import { CallRecorder } from './recorder';
import { parseWav } from './wav';

const dir = mkdtempSync(join(tmpdir(), 'parley-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function toneFrame(out: Int16Array, freq: number, rate: number, t0: number): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * freq * (t0 + i)) / rate));
}

function channel(samples: Int16Array, c: number): number[] {
  const out: number[] = [];
  for (let i = c; i < samples.length; i += 2) out.push(samples[i]!);
  return out;
}

describe('CallRecorder', () => {
  it('records local on the left and remote on the right as a stereo WAV with a correct header', async () => {
    const path = join(dir, 'call.wav');
    const rec = CallRecorder.create(path, { sampleRate: 8000, chunkBytes: 2560 });
    const l = new Int16Array(160);
    const r = new Int16Array(160);
    for (let k = 0; k < 150; k++) {
      toneFrame(l, 500, 8000, k * 160);
      toneFrame(r, 1300, 8000, k * 160);
      rec.write(l, r);
    }
    expect(rec.durationMs).toBe(3000);
    // Streaming: most of the call is already on disk before close.
    await new Promise((res) => setTimeout(res, 30));
    expect(statSync(path).size).toBeGreaterThan(40_000);
    await rec.close();
    const bytes = readFileSync(path);
    expect(bytes.readUInt32LE(4)).toBe(36 + 150 * 160 * 4);
    expect(bytes.readUInt32LE(40)).toBe(150 * 160 * 4);
    const wav = parseWav(bytes);
    expect([wav.channels, wav.sampleRate, wav.samples.length]).toEqual([2, 8000, 150 * 320]);
    const left = channel(wav.samples, 0);
    const right = channel(wav.samples, 1);
    expect(toneAmplitude(left, 500, 8000)).toBeGreaterThan(7900);
    expect(toneAmplitude(left, 1300, 8000)).toBeLessThan(10);
    expect(toneAmplitude(right, 1300, 8000)).toBeGreaterThan(7900);
    expect(toneAmplitude(right, 500, 8000)).toBeLessThan(10);
  });

  it('pairs sides fed through its ports and pads a side that stops with silence', async () => {
    const path = join(dir, 'ports.wav');
    const rec = CallRecorder.create(path, { sampleRate: 8000, maxSkewFrames: 3 });
    const f = new Int16Array(160);
    for (let k = 0; k < 10; k++) {
      f.fill(100 + k);
      rec.local.writeFrame(f);
      f.fill(-100 - k);
      rec.remote.writeFrame(f);
    }
    // The remote side goes quiet (hold): local keeps coming.
    for (let k = 0; k < 10; k++) {
      f.fill(500);
      rec.local.writeFrame(f);
    }
    await rec.close();
    const wav = parseWav(readFileSync(path));
    const left = channel(wav.samples, 0);
    const right = channel(wav.samples, 1);
    expect(left.length).toBe(20 * 160);
    expect([left[0], right[0], left[9 * 160], right[9 * 160]]).toEqual([100, -100, 109, -109]);
    expect([left[15 * 160], right[15 * 160]]).toEqual([500, 0]);
  });

  it('ignores writes after close', async () => {
    const path = join(dir, 'closed.wav');
    const rec = CallRecorder.create(path, { sampleRate: 16000 });
    await rec.close();
    rec.write(new Int16Array(320), new Int16Array(320));
    await rec.close();
    expect(parseWav(readFileSync(path)).samples.length).toBe(0);
  });
});
