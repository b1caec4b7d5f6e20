/**
 * The send side of one stream as an `AudioPort`: each `writeFrame` (20 ms at the port's rate,
 * the device's or mixer's) is resampled to the codec's rate when they differ, encoded, and
 * handed to `onPayload` with the RTP timestamp units it covers. A zero-length payload means
 * "send nothing this time" (Opus DTX): the RTP sender still advances its timestamp
 * (RFC 3550 §5.1, RFC 7587 §3.1.3). All buffers are allocated here.
 */
import { type AudioPort, samplesPerFrame } from '../frame';
import { Resampler } from '../resample';
import type { AudioCodec, AudioEncoder } from './audio-codec';
import { pcmSamplesPerFrame, timestampsPerFrame } from './audio-codec';

export interface EncoderPortOptions {
  readonly codec: AudioCodec;
  readonly encoder: AudioEncoder;
  /** Rate of the frames written to this port; default the codec's. */
  readonly sampleRate?: number;
  /** Receives each encoded frame; `payload` is reused by the next call, so copy it to keep it. */
  readonly onPayload: (payload: Uint8Array, timestampUnits: number) => void;
}

export class EncoderPort implements AudioPort {
  readonly sampleRate: number;
  private readonly pcm: Int16Array;
  private readonly out: Uint8Array;
  private readonly resampler: Resampler | undefined;
  private readonly tsUnits: number;
  private readonly encoder: AudioEncoder;
  private readonly onPayload: (payload: Uint8Array, timestampUnits: number) => void;

  constructor(options: EncoderPortOptions) {
    const codec = options.codec;
    this.encoder = options.encoder;
    this.onPayload = options.onPayload;
    this.sampleRate = options.sampleRate ?? codec.sampleRate;
    samplesPerFrame(this.sampleRate);
    this.pcm = new Int16Array(pcmSamplesPerFrame(codec));
    this.out = new Uint8Array(codec.maxPayloadBytes);
    this.tsUnits = timestampsPerFrame(codec);
    this.resampler = this.sampleRate === codec.sampleRate ? undefined : new Resampler(this.sampleRate, codec.sampleRate);
  }

  /** A send-only port gives nothing. */
  readFrame(into: Int16Array): boolean {
    into.fill(0);
    return false;
  }

  writeFrame(frame: Int16Array): void {
    let pcm = frame;
    if (this.resampler) {
      this.resampler.processFrame(frame, this.pcm);
      pcm = this.pcm;
    }
    const n = this.encoder.encode(pcm, this.out);
    this.onPayload(this.out.subarray(0, n), this.tsUnits);
  }
}
