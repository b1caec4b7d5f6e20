import { describe, expect, it } from 'vitest';
import { MediaError } from '../../base/errors';
import { opus } from './opus';
import { opusFirstFrame, opusHasFec, opusMode } from './opus-packet';
import { bestAlignedSnr, levelDbfs, snrDb, tone } from './signal-quality';

const FRAME = 960;

function speechBand(frames: number): Int16Array {
  return tone(new Int16Array(FRAME * frames), 48000, [
    [220, 6000],
    [660, 3000],
    [1500, 1500],
  ]);
}

/**
 * A voiced-speech stand-in: 12 harmonics of a pitch gliding 110..170 Hz, shaped by two formant
 * bumps (700, 1200 Hz), with a 3 Hz syllable envelope.
 */
function vowels(frames: number): Int16Array {
  const x = new Int16Array(FRAME * frames);
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    const t = i / 48000;
    const f0 = 140 + 30 * Math.sin(2 * Math.PI * 1.3 * t);
    phase += (2 * Math.PI * f0) / 48000;
    let v = 0;
    for (let h = 1; h <= 12; h++) {
      const fh = h * f0;
      const amp = Math.exp(-((fh - 700) ** 2) / (2 * 300 ** 2)) + 0.5 * Math.exp(-((fh - 1200) ** 2) / (2 * 400 ** 2)) + 0.2 / h;
      v += amp * Math.sin(h * phase);
    }
    x[i] = Math.round(5000 * v * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t)));
  }
  return x;
}

function encodeAll(x: Int16Array, options: Parameters<typeof opus.createEncoder>[0]): Uint8Array[] {
  const enc = opus.createEncoder(options);
  const bytes = new Uint8Array(opus.maxPayloadBytes);
  const packets: Uint8Array[] = [];
  for (let f = 0; f < x.length / FRAME; f++) packets.push(bytes.slice(0, enc.encode(x.subarray(f * FRAME, (f + 1) * FRAME), bytes)));
  enc.dispose();
  return packets;
}

describe('Opus codec (RFC 6716, RFC 7587)', () => {
  it('is opus/48000/2 with a dynamic payload type and useinbandfec=1 (RFC 7587 §7)', () => {
    expect([opus.name, opus.clockRate, opus.channels, opus.sampleRate]).toEqual(['opus', 48000, 2, 48000]);
    expect(opus.isStaticPayloadType).toBe(false);
    expect(opus.payloadType).toBeGreaterThanOrEqual(96);
    expect(opus.fmtp['useinbandfec']).toBe('1');
  });

  // libopus 1.3.1 spends primary bits on LBRR when told to expect loss (1.4 spends fewer):
  // the same tones measure 10.6 dB with FEC off and 8.8 dB with the defaults (FEC for 10 %).
  it.each([
    ['FEC off', { bitrate: 32000, inbandFec: false }, 10],
    ['the defaults (FEC for 10 % loss)', { bitrate: 32000 }, 8],
  ] as const)('carries a voiced tone mix at 32 kbit/s with %s and the waveform kept', (_name, options, minSnr) => {
    const enc = opus.createEncoder(options);
    const dec = opus.createDecoder();
    const x = speechBand(50);
    const y = new Int16Array(x.length);
    const bytes = new Uint8Array(opus.maxPayloadBytes);
    let total = 0;
    for (let f = 0; f < 50; f++) {
      const n = enc.encode(x.subarray(f * FRAME, (f + 1) * FRAME), bytes);
      total += n;
      expect(dec.decode(bytes.subarray(0, n), y.subarray(f * FRAME, (f + 1) * FRAME))).toBe(FRAME);
    }
    // 32 kbit/s is 80 bytes per 20 ms on average.
    expect(total / 50).toBeGreaterThan(40);
    expect(total / 50).toBeLessThan(120);
    const { snr } = bestAlignedSnr(x, y, 0, 600, 9600, x.length - 700);
    expect(snr).toBeGreaterThan(minSnr);
    enc.dispose();
    dec.dispose();
  });

  it('conceals a lost frame with signal (libopus PLC), not silence', () => {
    const enc = opus.createEncoder();
    const dec = opus.createDecoder();
    const x = speechBand(20);
    const out = new Int16Array(FRAME);
    const bytes = new Uint8Array(opus.maxPayloadBytes);
    for (let f = 0; f < 20; f++) dec.decode(bytes.subarray(0, enc.encode(x.subarray(f * FRAME, (f + 1) * FRAME), bytes)), out);
    expect(dec.conceal(out)).toBe(FRAME);
    expect(levelDbfs(out)).toBeGreaterThan(levelDbfs(x) - 10);
  });

  it('sends nothing for silence once DTX has settled', () => {
    const enc = opus.createEncoder({ dtx: true });
    const bytes = new Uint8Array(opus.maxPayloadBytes);
    const silence = new Int16Array(FRAME);
    const sizes = Array.from({ length: 30 }, () => enc.encode(silence, bytes));
    expect(sizes.slice(20).filter((n) => n === 0).length).toBeGreaterThan(5);
  });

  it('decodes a 40 ms packet to 1920 samples, or to as many as the output holds', () => {
    const dec = opus.createDecoder();
    // TOC config 10 = SILK WB 40 ms, code 0 (RFC 6716 §3.1), with a 3-byte frame.
    const packet = Uint8Array.of(10 << 3, 0, 0, 0);
    expect(dec.decode(packet, new Int16Array(5760))).toBe(1920);
    expect(dec.decode(packet, new Int16Array(FRAME))).toBe(FRAME);
    dec.dispose();
  });

  it('rejects bad options, a wrong frame size and a garbage packet with media.codec errors', () => {
    expect(() => opus.createEncoder({ bitrate: 1000 })).toThrow(MediaError);
    expect(() => opus.createEncoder({ complexity: 11 })).toThrow(MediaError);
    const enc = opus.createEncoder();
    expect(() => enc.encode(new Int16Array(100), new Uint8Array(1500))).toThrow(MediaError);
    const dec = opus.createDecoder();
    expect(() => dec.decode(new Uint8Array(4000), new Int16Array(FRAME))).toThrow(MediaError);
    expect(() => dec.decode(new Uint8Array(0), new Int16Array(FRAME))).toThrow(MediaError);
    dec.dispose();
    dec.dispose();
    expect(() => dec.conceal(new Int16Array(FRAME))).toThrow(MediaError);
  });

  it('recovers a lost frame from the next packet\'s FEC closer to the original than PLC (RFC 7587 §4.2)', () => {
    const frames = 60;
    const x = vowels(frames);
    // VOIP at 20 kbit/s with 20 % expected loss: SILK-only packets (TOC config < 12) with LBRR.
    const packets = encodeAll(x, { bitrate: 20000, inbandFec: true, packetLossPercent: 20 });
    expect(packets.every((p) => opusMode(p[0]!) === 'silk')).toBe(true);
    // Delay of the codec, from a loss-free decode.
    const clean = new Int16Array(x.length);
    const ref = opus.createDecoder();
    packets.forEach((p, f) => ref.decode(p, clean.subarray(f * FRAME, (f + 1) * FRAME)));
    const { delay } = bestAlignedSnr(x, clean, 0, 600, 9600, x.length - 700);
    const lost = [15, 20, 25, 35, 40, 45].filter((k) => opusHasFec(packets[k + 1]!, FRAME));
    expect(lost.length).toBeGreaterThanOrEqual(4);
    let fecSnr = 0;
    let plcSnr = 0;
    for (const k of lost) {
      const withFec = opus.createDecoder();
      const withPlc = opus.createDecoder();
      const a = new Int16Array(x.length);
      const b = new Int16Array(x.length);
      for (let f = 0; f < k; f++) {
        withFec.decode(packets[f]!, a.subarray(f * FRAME, (f + 1) * FRAME));
        withPlc.decode(packets[f]!, b.subarray(f * FRAME, (f + 1) * FRAME));
      }
      expect(withFec.decodeFec!(packets[k + 1]!, a.subarray(k * FRAME, (k + 1) * FRAME))).toBe(FRAME);
      expect(withPlc.conceal(b.subarray(k * FRAME, (k + 1) * FRAME))).toBe(FRAME);
      // Frame k as heard is original [k·960 - delay, (k+1)·960 - delay).
      fecSnr += snrDb(x, a, delay, k * FRAME - delay, (k + 1) * FRAME - delay) / lost.length;
      plcSnr += snrDb(x, b, delay, k * FRAME - delay, (k + 1) * FRAME - delay) / lost.length;
      withFec.dispose();
      withPlc.dispose();
    }
    // Measured (libopus 1.3.1): FEC 7.2 dB, PLC 0.1 dB on average over the 6 frames.
    expect(fecSnr).toBeGreaterThan(4);
    expect(fecSnr).toBeGreaterThan(plcSnr + 4);
  });

  it('finds no FEC in a CELT-only packet (decodeFec returns 0, the caller conceals)', () => {
    // RESTRICTED_LOWDELAY is not reachable through the options; at 96 kbit/s libopus (VOIP,
    // signal voice) codes this tone mix CELT-only (TOC config >= 16).
    const packets = encodeAll(speechBand(20), { bitrate: 96000, inbandFec: false, packetLossPercent: 0 });
    const celt = packets.find((p) => opusMode(p[0]!) === 'celt');
    expect(celt).toBeDefined();
    const dec = opus.createDecoder();
    const out = new Int16Array(FRAME);
    expect(dec.decodeFec!(celt!, out)).toBe(0);
    expect(dec.decode(celt!, out)).toBe(FRAME);
    dec.dispose();
  });

  it('throws media.codec for a malformed or empty packet given to decodeFec', () => {
    const dec = opus.createDecoder();
    const out = new Int16Array(FRAME);
    // SILK WB 20 ms, code 3 with a frame count of 0 (RFC 6716 §3.4 R5); code 1 with an odd split.
    expect(() => dec.decodeFec!(Uint8Array.of(0x4b, 0x00), out)).toThrow(MediaError);
    expect(() => dec.decodeFec!(Uint8Array.of(0x49, 1, 2, 3), out)).toThrow(MediaError);
    expect(() => dec.decodeFec!(new Uint8Array(0), out)).toThrow(MediaError);
    expect(() => dec.decodeFec!(new Uint8Array(1276), out)).toThrow(MediaError);
    dec.dispose();
  });

  it('reads the frame packing of RFC 6716 §3.2 and rejects broken framing', () => {
    expect(opusFirstFrame(Uint8Array.of(0x48, 1, 2, 3))).toEqual({ start: 1, length: 3 });
    expect(opusFirstFrame(Uint8Array.of(0x49, 1, 2, 3, 4))).toEqual({ start: 1, length: 2 });
    expect(opusFirstFrame(Uint8Array.of(0x4a, 2, 9, 9, 7))).toEqual({ start: 2, length: 2 });
    expect(opusFirstFrame(Uint8Array.of(0x4a, 5, 9))).toBeUndefined();
    // Code 3, VBR, 2 frames, padding of 1 byte: lengths [2], the last takes what remains.
    expect(opusFirstFrame(Uint8Array.of(0x4b, 0xc2, 1, 2, 9, 9, 8, 8, 8, 0))).toEqual({ start: 4, length: 2 });
    // Code 3, CBR, 3 frames of 2 bytes; then 7 x 20 ms (> 120 ms).
    expect(opusFirstFrame(Uint8Array.of(0x4b, 0x03, 1, 1, 2, 2, 3, 3))).toEqual({ start: 2, length: 2 });
    expect(opusFirstFrame(Uint8Array.of(0x4b, 0x07, 1, 1, 1, 1, 1, 1, 1))).toBeUndefined();
    expect(opusFirstFrame(new Uint8Array(0))).toBeUndefined();
  });

  // The 16 MiB heap holds about 235 encoders or 270 decoders at once.
  it('frees its wasm state: many encoders and decoders created and disposed do not exhaust the heap', () => {
    const pcm = speechBand(1);
    const bytes = new Uint8Array(opus.maxPayloadBytes);
    for (let i = 0; i < 600; i++) {
      const enc = opus.createEncoder();
      const dec = opus.createDecoder();
      dec.decode(bytes.subarray(0, enc.encode(pcm, bytes)), new Int16Array(FRAME));
      enc.dispose();
      dec.dispose();
      dec.dispose();
    }
  });
});
