import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, parseWav, toMono, wavHeader, WavFileWriter } from './wav';

const dir = mkdtempSync(join(tmpdir(), 'parley-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAV reading', () => {
  it('round-trips 16-bit mono PCM', () => {
    const s = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const wav = parseWav(encodeWav(s, 16000));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels).toBe(1);
    expect([...wav.samples]).toEqual([...s]);
  });

  it('reads 8-bit, 24-bit and float PCM and skips unknown chunks', () => {
    const mk = (format: number, bits: number, body: Buffer) => {
      const h = wavHeader(8000, 1, body.length);
      h.writeUInt16LE(format, 20);
      h.writeUInt16LE(bits, 34);
      const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
      return Buffer.concat([h.subarray(0, 36), list, h.subarray(36), body]);
    };
    expect([...parseWav(mk(1, 8, Buffer.from([128, 255, 0]))).samples]).toEqual([0, 127 << 8, -32768]);
    expect([...parseWav(mk(1, 24, Buffer.from([0, 0, 0x40, 0, 0, 0xc0]))).samples]).toEqual([16384, -16384]);
    const f = Buffer.alloc(8);
    f.writeFloatLE(0.5, 0);
    f.writeFloatLE(-2, 4);
    expect([...parseWav(mk(3, 32, f)).samples]).toEqual([16384, -32767]);
  });

  it('mixes stereo down to mono', () => {
    const wav = parseWav(encodeWav(Int16Array.from([100, 300, -50, -150]), 8000, 2));
    expect([...toMono(wav)]).toEqual([200, -100]);
  });

  it('rejects what it cannot read with a ValidationError', () => {
    expect(() => parseWav(Buffer.from('hello world, not a wav'))).toThrow(/not a RIFF/);
    const h = wavHeader(8000, 1, 0);
    h.writeUInt16LE(85, 20); // MP3
    expect(() => parseWav(h)).toThrow(/unsupported WAV encoding/);
    expect(() => parseWav(h.subarray(0, 30))).toThrow(/fmt chunk too short|no data/);
  });
});

describe('WavFileWriter', () => {
  it('streams chunks to disk and writes the final sizes on close', async () => {
    const path = join(dir, 'stream.wav');
    const w = WavFileWriter.createSync(path, { sampleRate: 8000, channels: 2, chunkBytes: 1000 });
    const frame = new Int16Array(320);
    for (let i = 0; i < 50; i++) {
      frame.fill(i);
      w.write(frame);
    }
    await w.close();
    await w.close();
    const wav = parseWav(readFileSync(path));
    expect(wav.channels).toBe(2);
    expect(wav.samples.length).toBe(50 * 320);
    expect(wav.samples[49 * 320]).toBe(49);
    expect(readFileSync(path).readUInt32LE(40)).toBe(50 * 320 * 2);
  });

  it('keeps the header current after every chunk, so a file cut short stays readable', async () => {
    const path = join(dir, 'crash.wav');
    const w = WavFileWriter.createSync(path, { sampleRate: 8000, channels: 1, chunkBytes: 3200 });
    w.write(new Int16Array(4000).fill(5)); // 8000 bytes: two full chunks flushed, 1600 bytes pending
    // Wait for the background writes without closing (a "crash" before close).
    for (let i = 0; i < 50 && statSync(path).size < 44 + 6400; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    const bytes = readFileSync(path);
    expect(bytes.readUInt32LE(40)).toBe(6400);
    expect(parseWav(bytes).samples.length).toBe(3200);
    await w.close();
    expect(parseWav(readFileSync(path)).samples.length).toBe(4000);
  });
});
