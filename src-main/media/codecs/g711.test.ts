import { describe, expect, it } from 'vitest';
import { ALAW_DECODE, ALAW_ENCODE, ULAW_DECODE, ULAW_ENCODE } from './g711-tables';
import { pcma } from './pcma';
import { pcmu } from './pcmu';

const enc = (table: Uint8Array, x: number) => table[x & 0xffff]!;

function snrDb(ref: Int16Array, got: Int16Array): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i]! ** 2;
    e += (ref[i]! - got[i]!) ** 2;
  }
  return 10 * Math.log10(s / e);
}

describe('G.711 µ-law (ITU-T G.711, G.191 reference)', () => {
  it('decodes the end points of the code table to the G.711 values', () => {
    expect(ULAW_DECODE[0x80]).toBe(32124);
    expect(ULAW_DECODE[0x00]).toBe(-32124);
    expect(ULAW_DECODE[0xff]).toBe(0);
    expect(ULAW_DECODE[0x7f]).toBe(0);
    expect(ULAW_DECODE[0xfe]).toBe(8);
    expect(ULAW_DECODE[0x7e]).toBe(-8);
    expect(ULAW_DECODE[0x8f]).toBe(16764); // 4191 in 14-bit units
    expect(ULAW_DECODE[0xf0]).toBe(120); // 30 in 14-bit units
  });

  it('encodes zero, -1 (one\'s complement) and the clip points like the ITU reference', () => {
    expect(enc(ULAW_ENCODE, 0)).toBe(0xff);
    expect(enc(ULAW_ENCODE, -1)).toBe(0x7f);
    expect(enc(ULAW_ENCODE, -4)).toBe(0x7f);
    expect(enc(ULAW_ENCODE, -5)).toBe(0x7e);
    expect(enc(ULAW_ENCODE, 32767)).toBe(0x80);
    expect(enc(ULAW_ENCODE, -32768)).toBe(0x00);
  });

  it('round-trips every codeword except negative zero 0x7F (which becomes 0xFF)', () => {
    for (let c = 0; c < 256; c++) {
      const back = enc(ULAW_ENCODE, ULAW_DECODE[c]!);
      expect(back, `code ${c.toString(16)}`).toBe(c === 0x7f ? 0xff : c);
    }
  });

  it('quantises every 16-bit input monotonically to within half a step of the segment', () => {
    let prev = -Infinity;
    const faults: number[] = [];
    for (let x = -32768; x <= 32767; x++) {
      const y = ULAW_DECODE[enc(ULAW_ENCODE, x)]!;
      if (y < prev) faults.push(x);
      prev = y;
      const seg = Math.max(0, Math.floor(Math.log2((Math.abs(x) + 132) / 128)));
      if (Math.abs(x) < 32124 && Math.abs(y - x) > (8 << seg) / 2 + 4) faults.push(x);
    }
    expect(faults).toEqual([]);
  });
});

describe('G.711 A-law (ITU-T G.711, G.191 reference)', () => {
  it('decodes the end points of the code table to the G.711 values', () => {
    expect(ALAW_DECODE[0xd5]).toBe(8);
    expect(ALAW_DECODE[0x55]).toBe(-8);
    expect(ALAW_DECODE[0xaa]).toBe(32256);
    expect(ALAW_DECODE[0x2a]).toBe(-32256);
    expect(ALAW_DECODE[0xd4]).toBe(24);
    expect(ALAW_DECODE[0xc5]).toBe(264);
  });

  it('encodes zero, -1 and the clip points like the ITU reference', () => {
    expect(enc(ALAW_ENCODE, 0)).toBe(0xd5);
    expect(enc(ALAW_ENCODE, -1)).toBe(0x55);
    expect(enc(ALAW_ENCODE, 32767)).toBe(0xaa);
    expect(enc(ALAW_ENCODE, -32768)).toBe(0x2a);
  });

  it('round-trips every one of the 256 codewords', () => {
    for (let c = 0; c < 256; c++) expect(enc(ALAW_ENCODE, ALAW_DECODE[c]!), `code ${c.toString(16)}`).toBe(c);
  });

  it('quantises every 16-bit input monotonically', () => {
    let prev = -Infinity;
    const faults: number[] = [];
    for (let x = -32768; x <= 32767; x++) {
      const y = ALAW_DECODE[enc(ALAW_ENCODE, x)]!;
      if (y < prev) faults.push(x);
      prev = y;
    }
    expect(faults).toEqual([]);
  });
});

describe('PCMU and PCMA descriptors (RFC 3551 Table 4)', () => {
  it('declare payload types 0 and 8 at 8000 Hz with 160-byte 20 ms frames', () => {
    expect([pcmu.payloadType, pcma.payloadType]).toEqual([0, 8]);
    for (const c of [pcmu, pcma]) {
      expect(c.clockRate).toBe(8000);
      expect(c.sampleRate).toBe(8000);
      expect(c.maxPayloadBytes).toBe(160);
    }
  });

  it.each([pcmu, pcma])('$name carries a 1 kHz tone at -10 dBFS with an SNR above 35 dB', (codec) => {
    const e = codec.createEncoder();
    const d = codec.createDecoder();
    const pcm = new Int16Array(160);
    const out = new Int16Array(160);
    const bytes = new Uint8Array(160);
    const ref = new Int16Array(160 * 10);
    const got = new Int16Array(160 * 10);
    for (let f = 0; f < 10; f++) {
      for (let i = 0; i < 160; i++) pcm[i] = Math.round(10362 * Math.sin((2 * Math.PI * 1000 * (f * 160 + i)) / 8000 + 0.3));
      expect(e.encode(pcm, bytes)).toBe(160);
      expect(d.decode(bytes, out)).toBe(160);
      ref.set(pcm, f * 160);
      got.set(out, f * 160);
    }
    expect(snrDb(ref, got)).toBeGreaterThan(35);
  });

  it('rejects an output buffer too small for the frame with a media.codec error', () => {
    expect(() => pcmu.createEncoder().encode(new Int16Array(160), new Uint8Array(10))).toThrow(/G.711/);
  });
});
