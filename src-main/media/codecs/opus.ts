/**
 * Opus (RFC 6716) over RTP (RFC 7587): dynamic payload type (default 111), RTP clock 48000,
 * `a=rtpmap:111 opus/48000/2` whatever the channel count actually sent (RFC 7587 §7), mono
 * 48 kHz PCM here. The binding is `opusscript` (libopus compiled to WebAssembly): see
 * `README.md` beside this file for why, with the speed measurements of each candidate. This
 * file is the only importer of opusscript, loaded lazily on the first encoder or decoder.
 *
 * Loss handling: `conceal()` runs libopus' own PLC (decode of an empty packet). In-band FEC
 * decoding (`opus_decode(..., decode_fec=1)`) is not reachable through any of the JS bindings
 * measured, so `decodeFec` is absent; the encoder still puts FEC in its packets when asked
 * (useinbandfec=1), which peers with a full libopus use.
 */
import { createRequire } from 'node:module';
import type OpusScriptType from 'opusscript';
import { MediaError } from '../../base/errors';
import type { AudioCodec, AudioDecoder, AudioEncoder, EncoderOptions } from './audio-codec';

type OpusScriptCtor = typeof OpusScriptType;

// libopus CTL request numbers (opus_defines.h).
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;
const OPUS_SET_DTX = 4016;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SIGNAL_VOICE = 3001;
const OPUS_APPLICATION_VOIP = 2048;

const SAMPLE_RATE = 48000;
const FRAME = 960;
/** Largest packet opusscript accepts (its MAX_PACKET_SIZE). */
const MAX_PACKET = 3828;

let ctor: OpusScriptCtor | undefined;
function loadOpus(): OpusScriptCtor {
  if (!ctor) {
    try {
      ctor = createRequire(import.meta.url)('opusscript') as OpusScriptCtor;
    } catch (cause) {
      throw new MediaError('media.codec', 'Opus: the opusscript module could not be loaded', { cause });
    }
  }
  return ctor;
}

/** Default encoder settings for a call: wideband speech at 32 kbit/s with FEC for 10 % loss. */
export const OPUS_DEFAULTS: Required<EncoderOptions> = {
  bitrate: 32000,
  complexity: 5,
  inbandFec: true,
  packetLossPercent: 10,
  dtx: false,
};

class OpusEncoder implements AudioEncoder {
  private handle: OpusScriptType | undefined;
  private readonly pcmIn = new Int16Array(FRAME);
  private readonly input = Buffer.from(this.pcmIn.buffer);
  private readonly dtx: boolean;

  constructor(options: EncoderOptions) {
    const o = { ...OPUS_DEFAULTS, ...options };
    if (o.bitrate < 6000 || o.bitrate > 510000) throw new MediaError('media.codec', `Opus: bitrate ${o.bitrate} out of 6000..510000`);
    if (!Number.isInteger(o.complexity) || o.complexity < 0 || o.complexity > 10) {
      throw new MediaError('media.codec', `Opus: complexity ${o.complexity} out of 0..10`);
    }
    const Opus = loadOpus();
    const h = new Opus(SAMPLE_RATE, 1, OPUS_APPLICATION_VOIP);
    h.encoderCTL(OPUS_SET_BITRATE, o.bitrate);
    h.encoderCTL(OPUS_SET_COMPLEXITY, o.complexity);
    h.encoderCTL(OPUS_SET_INBAND_FEC, o.inbandFec ? 1 : 0);
    h.encoderCTL(OPUS_SET_PACKET_LOSS_PERC, Math.max(0, Math.min(100, Math.round(o.packetLossPercent))));
    h.encoderCTL(OPUS_SET_DTX, o.dtx ? 1 : 0);
    h.encoderCTL(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    this.handle = h;
    this.dtx = o.dtx;
  }

  encode(pcm: Int16Array, out: Uint8Array): number {
    const h = this.handle;
    if (!h) throw new MediaError('media.codec', 'Opus: encoder disposed');
    if (pcm.length !== FRAME) throw new MediaError('media.codec', `Opus: frame of ${pcm.length} samples, want ${FRAME}`);
    this.pcmIn.set(pcm);
    const packet = h.encode(this.input, FRAME);
    // RFC 7587 §3.1.3: with DTX on, libopus returns packets of 1..2 bytes for frames that
    // need not be sent.
    if (this.dtx && packet.length <= 2) return 0;
    if (packet.length > out.length) throw new MediaError('media.codec', `Opus: output ${out.length} < ${packet.length} bytes`);
    out.set(packet);
    return packet.length;
  }

  dispose(): void {
    this.handle?.delete();
    this.handle = undefined;
  }
}

class OpusDecoder implements AudioDecoder {
  private handle: OpusScriptType | undefined;
  private readonly empty = Buffer.alloc(0);

  constructor() {
    this.handle = new (loadOpus())(SAMPLE_RATE, 1, OPUS_APPLICATION_VOIP);
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    if (payload.length === 0 || payload.length > MAX_PACKET) {
      throw new MediaError('media.codec', `Opus: payload of ${payload.length} bytes`);
    }
    return this.run(Buffer.from(payload.buffer, payload.byteOffset, payload.length), out);
  }

  conceal(out: Int16Array): number {
    // libopus PLC: an empty packet. opusscript asks for its maximum frame (60 ms); the first
    // frame of it is the concealment of this 20 ms, the rest is dropped.
    return this.run(this.empty, out, Math.min(out.length, FRAME));
  }

  reset(): void {
    const h = this.handle;
    if (!h) return;
    h.delete();
    this.handle = new (loadOpus())(SAMPLE_RATE, 1, OPUS_APPLICATION_VOIP);
  }

  dispose(): void {
    this.handle?.delete();
    this.handle = undefined;
  }

  private run(input: Buffer, out: Int16Array, limit = out.length): number {
    const h = this.handle;
    if (!h) throw new MediaError('media.codec', 'Opus: decoder disposed');
    let pcm: Buffer;
    try {
      pcm = h.decode(input);
    } catch (cause) {
      throw new MediaError('media.codec', 'Opus: undecodable packet', { cause });
    }
    const n = Math.min(limit, pcm.length >> 1);
    if ((pcm.byteOffset & 1) === 0) out.set(new Int16Array(pcm.buffer, pcm.byteOffset, n));
    else for (let i = 0; i < n; i++) out[i] = pcm.readInt16LE(i * 2);
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
  maxPayloadBytes: 1275,
  createEncoder: (options = {}) => new OpusEncoder(options),
  createDecoder: () => new OpusDecoder(),
};
