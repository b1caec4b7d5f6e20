/**
 * The codec descriptor (baresip's `struct aucodec`, STYLE.md §3.10). A codec is a plain object
 * registered in `registry.ts`; the media session creates one encoder and one decoder per stream.
 *
 * PCM on both sides is mono Int16 at `sampleRate`, one `frameMs` frame per call. `clockRate` is
 * the RTP timestamp rate, which differs from `sampleRate` for G.722 (8000 vs 16000,
 * RFC 3551 §4.5.2). Encoders and decoders write into caller-owned buffers and allocate nothing
 * per frame.
 */

export interface EncoderOptions {
  /** Target bitrate in bit/s (codecs with a variable rate; Opus 6000..510000). */
  readonly bitrate?: number;
  /** Encoder complexity 0..10 (Opus). */
  readonly complexity?: number;
  /** Put in-band FEC for the previous frame into each packet (Opus, RFC 7587 §3.3). */
  readonly inbandFec?: boolean;
  /** Expected packet loss in percent; the encoder spends FEC bits accordingly (Opus). */
  readonly packetLossPercent?: number;
  /** Discontinuous transmission: tiny packets, or none, during silence (Opus). */
  readonly dtx?: boolean;
}

export interface AudioEncoder {
  /**
   * Encodes one frame of `samplesPerFrame(sampleRate)` samples into `out` and returns the number
   * of bytes written (0 means "send nothing", e.g. Opus DTX). Throws `MediaError('media.codec')`
   * when the frame has the wrong length or `out` is too small.
   */
  encode(pcm: Int16Array, out: Uint8Array): number;
  /** Frees native resources; idempotent. */
  dispose(): void;
}

export interface AudioDecoder {
  /**
   * Decodes one RTP payload into `out` and returns the number of samples written. A payload
   * shorter or longer than one frame decodes to proportionally fewer or more samples (up to
   * `out.length`). Bad input yields a `MediaError('media.codec')`, never a crash.
   */
  decode(payload: Uint8Array, out: Int16Array): number;
  /**
   * Produces one frame to stand in for a lost packet (packet-loss concealment), fading to
   * silence over consecutive calls. Returns samples written.
   */
  conceal(out: Int16Array): number;
  /**
   * Recovers the lost frame that precedes `nextPayload` from its in-band FEC data (Opus,
   * RFC 7587 §3.3). Absent when the codec has no FEC; returns 0 when `nextPayload` carries none.
   */
  decodeFec?(nextPayload: Uint8Array, out: Int16Array): number;
  /** Forgets history (new talkspurt source, SSRC change). */
  reset(): void;
  /** Frees native resources; idempotent. */
  dispose(): void;
}

export interface AudioCodec {
  /** Encoding name as written in SDP `a=rtpmap` (RFC 4566 §6), e.g. 'PCMU', 'G722', 'opus'. */
  readonly name: string;
  /** The static payload type (RFC 3551 Table 4), or the default dynamic one (96..127). */
  readonly payloadType: number;
  readonly isStaticPayloadType: boolean;
  /** RTP timestamp clock rate, as written in `a=rtpmap`. */
  readonly clockRate: number;
  /** PCM sample rate the encoder takes and the decoder gives. */
  readonly sampleRate: number;
  /** Channel count for SDP `a=rtpmap` (2 for opus/48000/2, RFC 7587 §7); PCM is always mono. */
  readonly channels: number;
  /** Frame duration this codec is driven with. */
  readonly frameMs: number;
  /** Default `a=fmtp` parameters (empty when none). */
  readonly fmtp: Readonly<Record<string, string>>;
  /** Upper bound of one encoded frame, for sizing the output buffer. */
  readonly maxPayloadBytes: number;
  /**
   * For sample-based codecs (G.711, G.722): bytes in every `frameMs` frame, so a payload of
   * another ptime (30, 40 ms…) can be split into 20 ms payloads before the jitter buffer, or
   * frames joined for sending. Absent for frame-based codecs (Opus).
   */
  readonly frameBytes?: number;
  createEncoder(options?: EncoderOptions): AudioEncoder;
  createDecoder(): AudioDecoder;
}

/** RTP timestamp units in one frame of `codec` (160 for PCMU, 160 for G.722, 960 for Opus). */
export function timestampsPerFrame(codec: AudioCodec): number {
  return (codec.clockRate * codec.frameMs) / 1000;
}

/** PCM samples in one frame of `codec`. */
export function pcmSamplesPerFrame(codec: AudioCodec): number {
  return (codec.sampleRate * codec.frameMs) / 1000;
}
