/**
 * G722: static payload type 9. The RTP clock rate is 8000 although the codec samples at
 * 16000 Hz, an error in RFC 1890 kept for compatibility (RFC 3551 §4.5.2): a 20 ms frame is
 * 320 PCM samples, 160 bytes and 160 timestamp units.
 */
import { MediaError } from '../../base/errors';
import { PitchPlc } from '../plc';
import type { AudioCodec, AudioDecoder, AudioEncoder } from './audio-codec';
import { G722AdpcmDecoder, G722AdpcmEncoder } from './g722-adpcm';

class G722Encoder implements AudioEncoder {
  private readonly adpcm = new G722AdpcmEncoder();

  encode(pcm: Int16Array, out: Uint8Array): number {
    const n = pcm.length & ~1;
    if (out.length < n / 2) throw new MediaError('media.codec', `G.722: output ${out.length} < ${n / 2} bytes`);
    return this.adpcm.encode(pcm, n, out);
  }

  dispose(): void {}
}

class G722Decoder implements AudioDecoder {
  private readonly adpcm = new G722AdpcmDecoder();
  private readonly plc = new PitchPlc(16000);

  decode(payload: Uint8Array, out: Int16Array): number {
    const n = Math.min(payload.length, out.length >> 1);
    const samples = this.adpcm.decode(payload, n, out);
    this.plc.good(out, samples);
    return samples;
  }

  conceal(out: Int16Array): number {
    // The ADPCM state is not advanced through the gap; G.722 Appendix III/IV would also
    // re-train it, which we leave to the predictor's own fast adaptation.
    return this.plc.conceal(out);
  }

  reset(): void {
    this.adpcm.reset();
    this.plc.reset();
  }

  dispose(): void {}
}

export const g722: AudioCodec = {
  name: 'G722',
  payloadType: 9,
  isStaticPayloadType: true,
  clockRate: 8000,
  sampleRate: 16000,
  channels: 1,
  frameMs: 20,
  fmtp: {},
  maxPayloadBytes: 160,
  frameBytes: 160,
  createEncoder: () => new G722Encoder(),
  createDecoder: () => new G722Decoder(),
};
