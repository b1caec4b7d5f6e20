/**
 * The receive side of one stream as an `AudioPort`: every `readFrame` takes the next result of
 * the jitter buffer and turns it into 20 ms of PCM at the port's rate — decode, in-band FEC
 * from the next packet (when the codec has it), concealment, or silence — and resamples from
 * the codec's rate when the two differ (pjmedia's stream get_frame).
 *
 * A payload the decoder rejects is concealed and counted (`decodeErrors`), never thrown into
 * the media loop. All buffers are allocated here.
 */
import type { AudioCodec, AudioDecoder } from '../codecs/audio-codec';
import { pcmSamplesPerFrame } from '../codecs/audio-codec';
import { type AudioPort, samplesPerFrame } from '../frame';
import { Resampler } from '../resample';
import type { JitterBuffer } from './jitter-buffer';

export interface PlayoutPortOptions {
  readonly codec: AudioCodec;
  readonly decoder: AudioDecoder;
  readonly jitter: JitterBuffer;
  /** Rate of the frames this port gives (the mixer's or device's); default the codec's. */
  readonly sampleRate?: number;
}

/** What the last `readFrame` played, for statistics and tests. */
export type PlayoutKind = 'decoded' | 'fec' | 'concealed' | 'silence';

export class PlayoutPort implements AudioPort {
  readonly sampleRate: number;
  /** Frames by what produced them. */
  readonly counts: Record<PlayoutKind, number> & { decodeErrors: number } = {
    decoded: 0,
    fec: 0,
    concealed: 0,
    silence: 0,
    decodeErrors: 0,
  };
  lastKind: PlayoutKind = 'silence';
  private readonly pcm: Int16Array;
  private readonly resampler: Resampler | undefined;
  private readonly codec: AudioCodec;
  private readonly decoder: AudioDecoder;
  private readonly jitter: JitterBuffer;

  constructor(options: PlayoutPortOptions) {
    this.codec = options.codec;
    this.decoder = options.decoder;
    this.jitter = options.jitter;
    this.sampleRate = options.sampleRate ?? this.codec.sampleRate;
    samplesPerFrame(this.sampleRate);
    this.pcm = new Int16Array(pcmSamplesPerFrame(this.codec));
    this.resampler = this.sampleRate === this.codec.sampleRate ? undefined : new Resampler(this.codec.sampleRate, this.sampleRate);
  }

  readFrame(into: Int16Array): boolean {
    const kind = this.produce();
    this.lastKind = kind;
    this.counts[kind]++;
    if (kind === 'silence') {
      into.fill(0);
      // Keep the resampler's history continuous with the silence just played.
      if (this.resampler) {
        this.pcm.fill(0);
        this.resampler.process(this.pcm, into);
        into.fill(0);
      }
      return false;
    }
    if (this.resampler) this.resampler.process(this.pcm, into);
    else into.set(this.pcm.subarray(0, into.length));
    return true;
  }

  /** Received audio is played, never written: a no-op. */
  writeFrame(): void {}

  private produce(): PlayoutKind {
    const r = this.jitter.get();
    const pcm = this.pcm;
    if (r.kind === 'frame') {
      try {
        const n = this.decoder.decode(r.payload, pcm);
        if (n < pcm.length) pcm.fill(0, n);
        return 'decoded';
      } catch {
        this.counts.decodeErrors++;
        this.decoder.conceal(pcm);
        return 'concealed';
      }
    }
    if (r.kind === 'lost') {
      // RFC 7587 §4.2: a lost frame can be recovered from the next packet's in-band FEC.
      if (r.next && this.decoder.decodeFec) {
        try {
          const n = this.decoder.decodeFec(r.next, pcm);
          if (n > 0) {
            if (n < pcm.length) pcm.fill(0, n);
            return 'fec';
          }
        } catch {
          this.counts.decodeErrors++;
        }
      }
      this.decoder.conceal(pcm);
      return 'concealed';
    }
    return 'silence';
  }
}
