/**
 * The shared body of PCMU and PCMA (RFC 3551 §4.5.14): one byte per sample at 8 kHz, and
 * pitch-based concealment (G.711 Appendix I, `../plc.ts`) for lost packets.
 */
import { MediaError } from '../../base/errors';
import { PitchPlc } from '../plc';
import type { AudioDecoder, AudioEncoder } from './audio-codec';

export class G711Encoder implements AudioEncoder {
  constructor(private readonly table: Uint8Array) {}

  encode(pcm: Int16Array, out: Uint8Array): number {
    const n = pcm.length;
    if (out.length < n) throw new MediaError('media.codec', `G.711: output ${out.length} < ${n} bytes`);
    const t = this.table;
    for (let i = 0; i < n; i++) out[i] = t[pcm[i]! & 0xffff]!;
    return n;
  }

  dispose(): void {}
}

export class G711Decoder implements AudioDecoder {
  private readonly plc = new PitchPlc(8000);

  constructor(private readonly table: Int16Array) {}

  decode(payload: Uint8Array, out: Int16Array): number {
    const n = Math.min(payload.length, out.length);
    const t = this.table;
    for (let i = 0; i < n; i++) out[i] = t[payload[i]!]!;
    this.plc.good(out, n);
    return n;
  }

  conceal(out: Int16Array): number {
    return this.plc.conceal(out);
  }

  reset(): void {
    this.plc.reset();
  }

  dispose(): void {}
}
