import type { Clock, TimerHandle } from '../../base/clock';
import { nullLogger, type Logger } from '../../base/logger';
import type { RtcpPacket, ReportBlock } from './packets';
import { ReceptionStatistics, roundTripMs, rtcpIntervalMs, toNtp } from './reports';

export interface RtcpReporterOptions {
  readonly clock: Clock;
  readonly cname: string;
  readonly ssrc: number;
  /** RTP clock rate of the stream we send (for the SR's RTP timestamp). */
  readonly clockRate: number;
  /** Sends one compound packet (the session protects and transmits it). */
  readonly send: (packets: RtcpPacket[]) => void;
  /** Session bandwidth in bit/s for the §6.2 RTCP share (5%); default 80 000 (PCMU + IP/UDP/RTP). */
  readonly sessionBandwidth?: number;
  /** A fixed report interval in ms instead of the §6.3 computation (tests, interop quirks). */
  readonly fixedIntervalMs?: number;
  readonly random?: () => number;
  readonly logger?: Logger;
}

/** What the far end told us about our stream, from the last report block about our SSRC. */
export interface RemoteReception {
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly jitter: number;
  readonly rttMs: number | undefined;
}

/**
 * Schedules and builds RTCP reports for one RTP session (RFC 3550 §6.3, §6.4): an SR while we
 * send, otherwise an RR, always with SDES CNAME (§6.1 compound rule), and on stop a BYE.
 * Reads incoming reports for RTT (§6.4.1) and the remote view of our stream.
 * The interval is RFC 3550 §6.3 (5 s minimum, randomized, compensated) unless fixedIntervalMs.
 */
export class RtcpReporter {
  /** Reception statistics of the remote source, once the session has locked onto one. */
  reception: ReceptionStatistics | undefined;
  remoteSsrc: number | undefined;
  remote: RemoteReception | undefined;
  private ssrc: number;
  private packetCount = 0;
  private octetCount = 0;
  private lastRtpTimestamp = 0;
  private lastSentAtMs = 0;
  private sentThisInterval = false;
  private sentLastInterval = false;
  private remoteSentRecently = false;
  private avgRtcpSize = 100;
  private initial = true;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly random: () => number;
  private readonly log: Logger;

  constructor(private readonly options: RtcpReporterOptions) {
    this.ssrc = options.ssrc;
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? nullLogger;
  }

  start(): void {
    if (this.stopped || this.timer) return;
    this.schedule();
  }

  /** Called by the sender for every RTP packet it transmits. */
  noteSent(rtpTimestamp: number, payloadBytes: number, nowMs: number): void {
    this.packetCount = (this.packetCount + 1) >>> 0;
    this.octetCount = (this.octetCount + payloadBytes) >>> 0;
    this.lastRtpTimestamp = rtpTimestamp;
    this.lastSentAtMs = nowMs;
    this.sentThisInterval = true;
  }

  /** Called for every RTP packet received from the remote source. */
  noteReceived(): void {
    this.remoteSentRecently = true;
  }

  /** Processes an incoming compound packet. `datagramBytes` feeds the average size (§6.3.3). */
  onRtcp(packets: readonly RtcpPacket[], datagramBytes: number): void {
    this.avgRtcpSize = (datagramBytes + 28) / 16 + (15 / 16) * this.avgRtcpSize;
    const now = this.options.clock.now();
    const wall = this.options.clock.wallNow();
    for (const p of packets) {
      if (p.type === 'sr') {
        if (this.reception && p.ssrc === this.remoteSsrc) {
          this.reception.onSenderReport({ seconds: p.ntpSeconds, fraction: p.ntpFraction }, now);
        }
        this.readBlocks(p.reports, wall);
      } else if (p.type === 'rr') {
        this.readBlocks(p.reports, wall);
      }
    }
  }

  /** Builds the compound report we would send now (SR or RR, then SDES). */
  buildReport(): RtcpPacket[] {
    const now = this.options.clock.now();
    const reports: ReportBlock[] = [];
    if (this.reception && this.remoteSsrc !== undefined && this.reception.sequence.received > 0) {
      reports.push(this.reception.reportBlock(this.remoteSsrc, now));
    }
    const sdes: RtcpPacket = { type: 'sdes', chunks: [{ ssrc: this.ssrc, items: [{ type: 1, text: this.options.cname }] }] };
    // §6.4: a participant that sent RTP since the report before last sends an SR.
    if (this.sentThisInterval || this.sentLastInterval) {
      const ntp = toNtp(this.options.clock.wallNow());
      const elapsed = now - this.lastSentAtMs;
      const rtpTimestamp = (this.lastRtpTimestamp + Math.round((elapsed * this.options.clockRate) / 1000)) >>> 0;
      return [
        {
          type: 'sr',
          ssrc: this.ssrc,
          ntpSeconds: ntp.seconds,
          ntpFraction: ntp.fraction,
          rtpTimestamp,
          packetCount: this.packetCount,
          octetCount: this.octetCount,
          reports,
        },
        sdes,
      ];
    }
    return [{ type: 'rr', ssrc: this.ssrc, reports }, sdes];
  }

  /** Sends a final RR/SR + SDES + BYE (§6.6) and stops the timer. Idempotent. */
  stop(reason?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const bye: RtcpPacket = reason ? { type: 'bye', ssrcs: [this.ssrc], reason } : { type: 'bye', ssrcs: [this.ssrc] };
    this.options.send([...this.buildReport(), bye]);
  }

  /** Stops without a BYE. */
  dispose(): void {
    this.stopped = true;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readBlocks(blocks: readonly ReportBlock[], arrivalWallMs: number): void {
    for (const b of blocks) {
      if (b.ssrc !== this.ssrc) continue;
      const rtt = roundTripMs(arrivalWallMs, b.lsr, b.dlsr);
      this.remote = { fractionLost: b.fractionLost, cumulativeLost: b.cumulativeLost, jitter: b.jitter, rttMs: rtt ?? this.remote?.rttMs };
    }
  }

  private schedule(): void {
    const interval =
      this.options.fixedIntervalMs ??
      rtcpIntervalMs({
        members: this.remoteSsrc === undefined ? 1 : 2,
        senders: (this.sentThisInterval || this.sentLastInterval ? 1 : 0) + (this.remoteSentRecently ? 1 : 0),
        rtcpBandwidth: ((this.options.sessionBandwidth ?? 80_000) * 0.05) / 8,
        weSent: this.sentThisInterval || this.sentLastInterval,
        avgRtcpSize: this.avgRtcpSize,
        initial: this.initial,
        random: this.random,
      });
    this.initial = false;
    this.timer = this.options.clock.setTimeout(() => this.onTimer(), interval);
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const packets = this.buildReport();
    this.sentLastInterval = this.sentThisInterval;
    this.sentThisInterval = false;
    this.remoteSentRecently = false;
    try {
      this.options.send(packets);
    } catch (error) {
      this.log.warn('rtcp send failed', { error: String(error) });
    }
    this.schedule();
  }
}
