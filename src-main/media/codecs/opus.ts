/**
 * Opus (RFC 6716) over RTP (RFC 7587): dynamic payload type (default 111), RTP clock 48000,
 * `a=rtpmap:111 opus/48000/2` whatever the channel count actually sent (RFC 7587 §7), mono
 * 48 kHz PCM here. libopus 1.3.1 runs as plain WebAssembly from the `opus-encdec` package,
 * called directly through `opus-wasm.ts` (see `README.md` beside this file for why, with the
 * speed of each binding measured), loaded lazily on the first encoder or decoder.
 *
 * Loss handling: `decodeFec(next)` recovers a lost frame from the in-band FEC (LBRR) of the
 * packet after it (RFC 7587 §4.2, `opus_decode_float(..., decode_fec=1)`) when that packet has
 * some (`opus-packet.ts`; SILK and hybrid modes only) and returns 0 otherwise, so the caller
 * conceals; `conceal()` is libopus' PLC for exactly one 20 ms frame.
 */
import { MediaError } from '../../base/errors';
import type { AudioCodec, AudioDecoder, AudioEncoder, EncoderOptions } from './audio-codec';
import { type OpusDecoderLib, type OpusEncoderLib, opusDecoderLib, opusEncoderLib, opusErrorName } from './opus-wasm';
import { opusFirstFrame, opusHasFec, opusMode } from './opus-packet';

// libopus CTL request numbers (opus_defines.h).
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;
const OPUS_SET_DTX = 4016;
const OPUS_SET_SIGNAL = 4024;
const OPUS_RESET_STATE = 4028;
const OPUS_SIGNAL_VOICE = 3001;
const OPUS_APPLICATION_VOIP = 2048;

const SAMPLE_RATE = 48000;
const FRAME = 960;
/** Largest frame (RFC 6716 §3.2.1) and the largest payload accepted or produced. */
const MAX_PACKET = 1275;
/** Longest packet (120 ms, RFC 6716 §3.2.5) in samples: the decoder's PCM scratch. */
const MAX_PACKET_SAMPLES = 5760;

/** Default encoder settings for a call: wideband speech at 32 kbit/s with FEC for 10 % loss. */
export const OPUS_DEFAULTS: Required<EncoderOptions> = {
  bitrate: 32000,
  complexity: 5,
  inbandFec: true,
  packetLossPercent: 10,
  dtx: false,
};

function toFloat(pcm: Int16Array, heap: Float32Array, at: number): void {
  for (let i = 0; i < pcm.length; i++) heap[at + i] = pcm[i]! * (1 / 32768);
}

function toInt16(heap: Float32Array, at: number, out: Int16Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = Math.round(heap[at + i]! * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}

class OpusEncoder implements AudioEncoder {
  private readonly lib: OpusEncoderLib;
  private st: number;
  private readonly pcm: number;
  private readonly data: number;
  private readonly dtx: boolean;

  constructor(options: EncoderOptions) {
    const o = { ...OPUS_DEFAULTS, ...options };
    if (o.bitrate < 6000 || o.bitrate > 510000) throw new MediaError('media.codec', `Opus: bitrate ${o.bitrate} out of 6000..510000`);
    if (!Number.isInteger(o.complexity) || o.complexity < 0 || o.complexity > 10) {
      throw new MediaError('media.codec', `Opus: complexity ${o.complexity} out of 0..10`);
    }
    const lib = opusEncoderLib();
    const st = lib.create(SAMPLE_RATE, 1, OPUS_APPLICATION_VOIP);
    let pcm = 0;
    let data = 0;
    try {
      pcm = lib.alloc(FRAME * 4);
      data = lib.alloc(MAX_PACKET);
      const ctls: [number, number][] = [
        [OPUS_SET_BITRATE, o.bitrate],
        [OPUS_SET_COMPLEXITY, o.complexity],
        [OPUS_SET_INBAND_FEC, o.inbandFec ? 1 : 0],
        [OPUS_SET_PACKET_LOSS_PERC, Math.max(0, Math.min(100, Math.round(o.packetLossPercent)))],
        [OPUS_SET_DTX, o.dtx ? 1 : 0],
        [OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE],
      ];
      for (const [request, value] of ctls) {
        const r = lib.set(st, request, value);
        if (r !== 0) throw new MediaError('media.codec', `Opus: encoder ctl ${request}=${value} failed (${opusErrorName(r)})`);
      }
    } catch (e) {
      lib.free(pcm);
      lib.free(data);
      lib.destroy(st);
      throw e;
    }
    this.lib = lib;
    this.st = st;
    this.pcm = pcm;
    this.data = data;
    this.dtx = o.dtx;
  }

  encode(pcm: Int16Array, out: Uint8Array): number {
    if (this.st === 0) throw new MediaError('media.codec', 'Opus: encoder disposed');
    if (pcm.length !== FRAME) throw new MediaError('media.codec', `Opus: frame of ${pcm.length} samples, want ${FRAME}`);
    const lib = this.lib;
    toFloat(pcm, lib.f32, this.pcm >> 2);
    const n = lib.encodeFloat(this.st, this.pcm, FRAME, this.data, MAX_PACKET);
    if (n < 0) throw new MediaError('media.codec', `Opus: opus_encode_float failed (${opusErrorName(n)})`);
    // RFC 7587 §3.1.3: with DTX on, libopus returns packets of 1..2 bytes for frames that
    // need not be sent.
    if (this.dtx && n <= 2) return 0;
    if (n > out.length) throw new MediaError('media.codec', `Opus: output ${out.length} < ${n} bytes`);
    out.set(lib.u8.subarray(this.data, this.data + n));
    return n;
  }

  dispose(): void {
    if (this.st === 0) return;
    this.lib.destroy(this.st);
    this.lib.free(this.pcm);
    this.lib.free(this.data);
    this.st = 0;
  }
}

class OpusDecoder implements AudioDecoder {
  private readonly lib: OpusDecoderLib;
  private st: number;
  private readonly pcm: number;
  private readonly data: number;
  /** libopus runs PLC instead of FEC after a CELT-only packet (opus_decoder.c); so do we. */
  private lastCelt = false;

  constructor() {
    const lib = opusDecoderLib();
    const st = lib.create(SAMPLE_RATE, 1);
    let pcm = 0;
    try {
      pcm = lib.alloc(MAX_PACKET_SAMPLES * 4);
      this.data = lib.alloc(MAX_PACKET);
    } catch (e) {
      lib.free(pcm);
      lib.destroy(st);
      throw e;
    }
    this.lib = lib;
    this.st = st;
    this.pcm = pcm;
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    // Room for the longest packet; what does not fit in `out` is dropped (AudioDecoder contract).
    const n = this.run(payload, MAX_PACKET_SAMPLES, false, out);
    this.lastCelt = opusMode(payload[0]!) === 'celt';
    return n;
  }

  conceal(out: Int16Array): number {
    // libopus PLC: no packet, frame_size = the 20 ms to fill.
    return this.run(undefined, Math.min(FRAME, out.length), false, out);
  }

  /**
   * RFC 7587 §4.2: the frame lost before `nextPayload`, from its in-band FEC (LBRR, present
   * only in SILK-only and hybrid packets, RFC 6716 §3.1/§4.2.3). 0 when it has none.
   */
  decodeFec(nextPayload: Uint8Array, out: Int16Array): number {
    this.check(nextPayload);
    if (!opusFirstFrame(nextPayload)) throw new MediaError('media.codec', 'Opus: malformed packet framing (RFC 6716 §3.4)');
    if (this.lastCelt || !opusHasFec(nextPayload, FRAME)) return 0;
    return this.run(nextPayload, FRAME, true, out);
  }

  reset(): void {
    if (this.st === 0) return;
    this.lib.ctl(this.st, OPUS_RESET_STATE);
    this.lastCelt = false;
  }

  dispose(): void {
    if (this.st === 0) return;
    this.lib.destroy(this.st);
    this.lib.free(this.pcm);
    this.lib.free(this.data);
    this.st = 0;
  }

  private check(payload: Uint8Array): void {
    if (payload.length === 0 || payload.length > MAX_PACKET) {
      throw new MediaError('media.codec', `Opus: payload of ${payload.length} bytes`);
    }
  }

  /** One `opus_decode_float` of `payload` (none: PLC) for up to `frameSize` samples into `out`. */
  private run(payload: Uint8Array | undefined, frameSize: number, fec: boolean, out: Int16Array): number {
    if (this.st === 0) throw new MediaError('media.codec', 'Opus: decoder disposed');
    const lib = this.lib;
    let len = 0;
    if (payload) {
      this.check(payload);
      lib.u8.set(payload, this.data);
      len = payload.length;
    }
    let n: number;
    try {
      n = lib.decodeFloat(this.st, len ? this.data : 0, len, this.pcm, frameSize, fec);
    } catch (cause) {
      throw new MediaError('media.codec', 'Opus: libopus failed on a packet', { cause });
    }
    if (n < 0) throw new MediaError('media.codec', `Opus: undecodable packet (${opusErrorName(n)})`);
    n = Math.min(n, out.length);
    toInt16(lib.f32, this.pcm >> 2, out, n);
    return n;
  }
}

export const opus: AudioCodec = {
  name: 'opus',
  payloadType: 111,
  isStaticPayloadType: false,
  clockRate: 48000,
  sampleRate: SAMPLE_RATE,
  channels: 2,
  frameMs: 20,
  // RFC 7587 §6.1: we decode mono happily and ask for FEC; ptime 20.
  fmtp: { minptime: '10', useinbandfec: '1' },
  maxPayloadBytes: MAX_PACKET,
  createEncoder: (options = {}) => new OpusEncoder(options),
  createDecoder: () => new OpusDecoder(),
};
