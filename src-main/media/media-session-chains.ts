/**
 * The two halves of a media session's audio path, each built once per codec and reused for
 * every frame:
 *
 * - `SendChain`: a frame at the session's port rate → resample to the codec's PCM rate → encode
 *   into a preallocated payload buffer.
 * - `ReceiveChain`: RTP payloads of one payload type → (split into 20 ms payloads for sample
 *   codecs sent with a longer ptime) → adaptive jitter buffer → decode / FEC / PLC → resample
 *   to the port rate (`PlayoutPort`).
 *
 * Nothing here allocates per frame: payload views handed to the jitter buffer come from a
 * table of views over one scratch buffer, indexed by length.
 */
import type { AudioCodec, AudioDecoder, AudioEncoder, EncoderOptions } from './codecs/audio-codec';
import { pcmSamplesPerFrame, timestampsPerFrame } from './codecs/audio-codec';
import { JitterBuffer, type JitterBufferOptions } from './jitter/jitter-buffer';
import { PlayoutPort } from './jitter/playout-port';
import { Resampler } from './resample';

const MAX_PAYLOAD = 1500;

export class SendChain {
  /** The encoded frame: `payload[0 .. length)` after `encode`. */
  readonly payload: Uint8Array;
  private readonly encoder: AudioEncoder;
  private readonly pcm: Int16Array;
  private readonly resampler: Resampler | undefined;

  constructor(
    readonly codec: AudioCodec,
    portRate: number,
    options: EncoderOptions = {},
  ) {
    this.encoder = codec.createEncoder(options);
    this.pcm = new Int16Array(pcmSamplesPerFrame(codec));
    this.payload = new Uint8Array(codec.maxPayloadBytes);
    this.resampler = portRate === codec.sampleRate ? undefined : new Resampler(portRate, codec.sampleRate);
  }

  /** Encodes one port-rate frame; returns the payload length (0: send nothing, e.g. DTX). */
  encode(frame: Int16Array): number {
    let pcm = frame;
    if (this.resampler) {
      this.resampler.processFrame(frame, this.pcm);
      pcm = this.pcm;
    }
    return this.encoder.encode(pcm, this.payload);
  }

  dispose(): void {
    this.encoder.dispose();
  }
}

/** Flags handed to `JitterBuffer.put`, reused between packets. */
interface PutFlagsScratch {
  marker: boolean;
  ssrc: number;
}

export class ReceiveChain {
  readonly jitter: JitterBuffer;
  readonly playout: PlayoutPort;
  private readonly decoder: AudioDecoder;
  private readonly tsPerFrame: number;
  private readonly scratch = new Uint8Array(MAX_PAYLOAD);
  private readonly views: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(MAX_PAYLOAD + 1).fill(undefined);
  private readonly flags: PutFlagsScratch = { marker: false, ssrc: 0 };

  constructor(
    readonly codec: AudioCodec,
    readonly payloadType: number,
    portRate: number,
    jitterOptions: Partial<JitterBufferOptions> = {},
  ) {
    this.decoder = codec.createDecoder();
    this.tsPerFrame = timestampsPerFrame(codec);
    this.jitter = new JitterBuffer({ maxPayloadBytes: Math.max(codec.maxPayloadBytes, 160), ...jitterOptions, clockRate: codec.clockRate, frameMs: 20 });
    this.playout = new PlayoutPort({ codec, decoder: this.decoder, jitter: this.jitter, sampleRate: portRate });
  }

  /**
   * Queues the payload `data[offset .. offset+length)`. A sample codec's payload of several
   * frames (ptime 30, 40… ms) is split into 20 ms frames with consecutive timestamps.
   */
  put(seq: number, timestamp: number, marker: boolean, ssrc: number, data: Uint8Array, offset: number, length: number, arrivalMs: number): void {
    const frameBytes = this.codec.frameBytes;
    const flags = this.flags;
    flags.ssrc = ssrc;
    if (frameBytes === undefined || length <= frameBytes) {
      flags.marker = marker;
      this.jitter.put(seq, timestamp, this.view(data, offset, length), arrivalMs, flags);
      return;
    }
    for (let i = 0, ts = timestamp; i < length; i += frameBytes, ts = (ts + this.tsPerFrame) >>> 0) {
      flags.marker = marker && i === 0;
      this.jitter.put(seq, ts, this.view(data, offset + i, Math.min(frameBytes, length - i)), arrivalMs, flags);
    }
  }

  /** Forgets the stream (a new source after hold): the next packet starts a new timeline. */
  reset(): void {
    this.jitter.reset();
    this.decoder.reset();
  }

  dispose(): void {
    this.decoder.dispose();
  }

  /** A view of `length` bytes over the scratch buffer holding a copy of the payload. */
  private view(data: Uint8Array, offset: number, length: number): Uint8Array {
    const n = Math.min(length, MAX_PAYLOAD);
    for (let i = 0; i < n; i++) this.scratch[i] = data[offset + i]!;
    let v = this.views[n];
    if (!v) {
      v = this.scratch.subarray(0, n);
      this.views[n] = v;
    }
    return v;
  }
}
