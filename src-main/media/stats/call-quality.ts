import { CODEC_IMPAIRMENT, mosFromR, rFactor, type CodecImpairment } from './e-model';

/**
 * Per-call quality snapshots, meant for an event every second: jitter, loss, RTT, one-way
 * delay estimate, R-factor and MOS. It reads the RTP session's counters through the small
 * `QualitySource` shape (an `RtpSession` fits it) and takes the jitter buffer's own figures
 * (its delay and concealed frames) as inputs, since another part owns the jitter buffer.
 */
export interface QualitySource {
  readonly counters: { readonly packetsSent: number; readonly packetsReceived: number };
  readonly reception: { readonly jitterMs: number; readonly sequence: { readonly expected: number; readonly received: number } } | undefined;
  readonly remoteReception: { readonly fractionLost: number; readonly rttMs: number | undefined; readonly jitter: number } | undefined;
}

export interface JitterBufferFigures {
  /** Current playout delay of the jitter buffer, ms. */
  readonly delayMs: number;
  /** Frames concealed (PLC) since the call began. */
  readonly concealedFrames: number;
  /** Packets discarded as too late since the call began (they count as lost for the E-model). */
  readonly latePackets?: number;
}

export interface CallQualitySnapshot {
  /** `clock.now()`-scale time the snapshot was taken. */
  readonly at: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  /** Interarrival jitter of what we receive (RFC 3550 A.8), ms. */
  readonly jitterMs: number;
  /** Loss of what we receive over the last window (default 10 s), percent. */
  readonly lossPercent: number;
  /** Loss since the call began, percent. */
  readonly cumulativeLossPercent: number;
  /** Loss the far end reports for our stream (last RTCP fraction lost), percent. */
  readonly remoteLossPercent: number | undefined;
  readonly rttMs: number | undefined;
  readonly jitterBufferDelayMs: number;
  readonly concealedFrames: number;
  /** Mouth-to-ear estimate: RTT/2 + jitter buffer + packet time + codec look-ahead. */
  readonly oneWayDelayMs: number;
  readonly rFactor: number;
  readonly mos: number;
}

export interface CallQualityOptions {
  /** Codec name as in `CODEC_IMPAIRMENT` (PCMU, PCMA, G722, opus) or explicit factors. */
  readonly codec: string | CodecImpairment;
  readonly ptimeMs: number;
  /** Seconds of history for `lossPercent`; default 10. */
  readonly windowSeconds?: number;
  /** Assumed RTT before RTCP measured one, ms; default 0 (the network part of delay unknown). */
  readonly defaultRttMs?: number;
}

export class CallQualityMonitor {
  private readonly history: { expected: number; lost: number }[] = [];
  private readonly codec: CodecImpairment;

  constructor(
    private readonly source: QualitySource,
    private readonly options: CallQualityOptions,
  ) {
    this.codec = typeof options.codec === 'string' ? (CODEC_IMPAIRMENT[options.codec] ?? CODEC_IMPAIRMENT.PCMU!) : options.codec;
  }

  /** Takes a snapshot; call once per second (history is counted in calls). */
  snapshot(at: number, jb: JitterBufferFigures = { delayMs: 0, concealedFrames: 0 }): CallQualitySnapshot {
    const rx = this.source.reception;
    const expected = rx?.sequence.expected ?? 0;
    const received = rx?.sequence.received ?? 0;
    const lost = Math.max(0, expected - received) + (jb.latePackets ?? 0);
    this.history.push({ expected, lost });
    const window = this.options.windowSeconds ?? 10;
    while (this.history.length > window + 1) this.history.shift();
    const oldest = this.history[0]!;
    const dExpected = expected - oldest.expected;
    const dLost = lost - oldest.lost;
    const lossPercent = this.history.length > 1 && dExpected > 0 ? Math.min(100, (100 * Math.max(0, dLost)) / dExpected) : expected > 0 ? Math.min(100, (100 * lost) / expected) : 0;
    const remote = this.source.remoteReception;
    const rttMs = remote?.rttMs;
    const oneWayDelayMs = (rttMs ?? this.options.defaultRttMs ?? 0) / 2 + jb.delayMs + this.options.ptimeMs + this.codec.lookaheadMs;
    const r = rFactor({ oneWayDelayMs, lossPercent, codec: this.codec });
    return {
      at,
      packetsSent: this.source.counters.packetsSent,
      packetsReceived: this.source.counters.packetsReceived,
      jitterMs: rx?.jitterMs ?? 0,
      lossPercent,
      cumulativeLossPercent: expected > 0 ? Math.min(100, (100 * lost) / expected) : 0,
      remoteLossPercent: remote ? (remote.fractionLost * 100) / 256 : undefined,
      rttMs,
      jitterBufferDelayMs: jb.delayMs,
      concealedFrames: jb.concealedFrames,
      oneWayDelayMs,
      rFactor: r,
      mos: mosFromR(r),
    };
  }
}
