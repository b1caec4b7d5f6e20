import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock';
import { sine, toInt16, toneAmplitude } from '../../test/support/signal';
import { encodeWav, parseWav } from '../media/wav';
import { NullAudioBackend } from './null-device';
import { convertRate, WavAudioBackend } from './wav-device';

const dir = mkdtempSync(join(tmpdir(), 'parley-wavdev-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WavAudioBackend', () => {
  it('plays a WAV as a clock-paced microphone and stops (silence) at its end', async () => {
    const path = join(dir, 'in.wav');
    writeFileSync(path, encodeWav(Int16Array.from({ length: 800 }, (_, i) => i + 1), 8000));
    const clock = new FakeClock();
    const backend = new WavAudioBackend({ clock, inputPath: path });
    let ended = 0;
    backend.on('inputEnded', () => ended++);
    expect(backend.listDevices().map((d) => d.maxInputChannels)).toEqual([1]);
    const input = backend.openInput('default', { sampleRate: 8000 });
    const firsts: number[] = [];
    input.on('frame', (f) => firsts.push(f[0]!, f[159]!));
    clock.advance(19);
    expect(firsts).toEqual([]);
    clock.advance(1);
    expect(firsts).toEqual([1, 160]);
    clock.advance(120);
    expect(firsts.slice(8)).toEqual([641, 800, 0, 0, 0, 0]);
    expect(ended).toBe(1);
    await input.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('loops when asked', () => {
    const path = join(dir, 'loop.wav');
    writeFileSync(path, encodeWav(Int16Array.from({ length: 240 }, (_, i) => i + 1), 8000));
    const clock = new FakeClock();
    const input = new WavAudioBackend({ clock, inputPath: path, loop: true }).openInput('default', { sampleRate: 8000 });
    const firsts: number[] = [];
    input.on('frame', (f) => firsts.push(f[0]!));
    clock.advance(80);
    expect(firsts).toEqual([1, 161, 81, 1]);
    void input.close();
  });

  it('converts the file rate to the stream rate (16 kHz file, 8 kHz stream)', () => {
    const path = join(dir, 'rate.wav');
    writeFileSync(path, encodeWav(toInt16(sine(16000, 1000, 16000, 10000)), 16000));
    const clock = new FakeClock();
    const input = new WavAudioBackend({ clock, inputPath: path }).openInput('default', { sampleRate: 8000 });
    const got: number[] = [];
    input.on('frame', (f) => got.push(...f));
    clock.advance(500);
    expect(toneAmplitude(got.slice(800, 3200), 1000, 8000)).toBeGreaterThan(9000);
    void input.close();
  });

  it('rejects an unreadable file with media.device', () => {
    const path = join(dir, 'junk.wav');
    writeFileSync(path, 'junk');
    const backend = new WavAudioBackend({ clock: new FakeClock(), inputPath: path });
    expect(() => backend.openInput('default', { sampleRate: 8000 })).toThrow(expect.objectContaining({ code: 'media.device' }));
    expect(() => backend.openOutput('default', { sampleRate: 8000 })).toThrow(/no such WAV output/);
  });

  it('writes what the output is given, one frame per 20 ms, silence on underrun', async () => {
    const path = join(dir, 'out.wav');
    const clock = new FakeClock();
    const out = new WavAudioBackend({ clock, outputPath: path }).openOutput('default', { sampleRate: 8000 });
    const frame = new Int16Array(160);
    frame.fill(1000);
    out.writeFrame(frame);
    out.writeFrame(frame);
    clock.advance(80); // two frames played, two underruns
    frame.fill(-5);
    out.writeFrame(frame);
    await out.close();
    const wav = parseWav(readFileSync(path));
    expect(wav.samples.length).toBe(5 * 160);
    expect([wav.samples[0], wav.samples[200], wav.samples[400], wav.samples[700]]).toEqual([1000, 1000, 0, -5]);
  });
});

describe('convertRate', () => {
  it('keeps a 440 Hz tone through 8 kHz → 48 kHz → 8 kHz and removes content above the new Nyquist', () => {
    const x = toInt16(sine(8000, 440, 8000, 8000));
    const up = convertRate(x, 8000, 48000);
    expect(up.length).toBe(48000);
    expect(toneAmplitude(up.subarray(4800, 43200), 440, 48000)).toBeGreaterThan(7800);
    const hi = toInt16(sine(48000, 6000, 48000, 8000));
    expect(toneAmplitude(convertRate(hi, 48000, 8000).subarray(400, 7600), 2000, 8000)).toBeLessThan(200);
  });
});

describe('NullAudioBackend', () => {
  it('gives silence every 20 ms and discards output', async () => {
    const clock = new FakeClock();
    const b = new NullAudioBackend(clock);
    const input = b.openInput('default', { sampleRate: 16000 });
    const out = b.openOutput('default', { sampleRate: 16000 });
    let n = 0;
    input.on('frame', (f) => {
      expect(f.length).toBe(320);
      expect(f.every((v) => v === 0)).toBe(true);
      n++;
    });
    clock.advance(1000);
    expect(n).toBe(50);
    expect(b.framesDiscarded).toBe(50);
    await Promise.all([input.close(), out.close()]);
    expect(clock.pendingTimers()).toBe(0);
    expect(() => b.openInput('ALSA:hw', { sampleRate: 16000 })).toThrow(/no such device/);
  });
});
