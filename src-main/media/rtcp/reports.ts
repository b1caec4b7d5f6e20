import { SequenceTracker, type SequenceVerdict } from '../rtp/sequence';
import type { ReportBlock } from './packets';

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2208988800;

export interface NtpTime {
  readonly seconds: number;
  readonly fraction: number;
}

/** Wall-clock milliseconds to a 64-bit NTP timestamp (RFC 3550 §4). */
export function toNtp(wallMs: number): NtpTime {
  const secs = Math.floor(wallMs / 1000);
  const fraction = Math.floor(((wallMs - secs * 1000) / 1000) * 0x100000000);
  return { seconds: (secs + NTP_UNIX_OFFSET) >>> 0, fraction: fraction >>> 0 };
}

/** The middle 32 bits of an NTP timestamp (the LSR / "compact NTP" of §6.4.1). */
export function ntpMiddle32(t: NtpTime): number {
  return (((t.seconds & 0xffff) << 16) | (t.fraction >>> 16)) >>> 0;
}

/**
 * Round-trip time from a report block (RFC 3550 §6.4.1): RTT = A - LSR - DLSR, all in 1/65536 s,
 * where A is the compact-NTP arrival time of the report. Returns milliseconds, or undefined
 * when the peer has not yet received an SR from us (LSR = 0) or the result is negative.
 */
export function roundTripMs(arrivalWallMs: number, lsr: number, dlsr: number): number | undefined {
  if (lsr === 0) return undefined;
  const a = ntpMiddle32(toNtp(arrivalWallMs));
  const rtt = (a - lsr - dlsr) >>> 0;
  // A wrapped (negative) difference shows as a huge unsigned value: clocks disagree.
  if (rtt > 0x7fffffff) return undefined;
  return (rtt * 1000) / 65536;
}

/**
 * Receive-side statistics for one remote source: extended sequence and loss (A.1, A.3),
 * interarrival jitter (A.8), and the LSR/DLSR bookkeeping for report blocks.
 */
export class ReceptionStatistics {
  readonly sequence = new SequenceTracker();
  /** Interarrival jitter estimate in RTP timestamp units (A.8, kept fractional). */
  private jitterUnits = 0;
  private lastTransit: number | undefined;
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;

  constructor(readonly clockRate: number) {}

  /** Feeds one received packet: its sequence number, RTP timestamp and arrival time (ms). */
  onPacket(seq: number, rtpTimestamp: number, arrivalMs: number): SequenceVerdict {
    const verdict = this.sequence.update(seq);
    if (verdict === 'valid' || verdict === 'restarted') {
      // A.8: transit = arrival (in timestamp units) - timestamp; J += (|D| - J) / 16.
      const arrival = (arrivalMs * this.clockRate) / 1000;
      const transit = arrival - rtpTimestamp;
      if (this.lastTransit !== undefined && verdict === 'valid') {
        let d = transit - this.lastTransit;
        // Timestamps wrap at 2^32: fold the difference back into range.
        if (d > 0x80000000) d -= 0x100000000;
        else if (d < -0x80000000) d += 0x100000000;
        this.jitterUnits += (Math.abs(d) - this.jitterUnits) / 16;
      }
      this.lastTransit = transit;
    }
    return verdict;
  }

  /** Records an SR from this source, for the next report block's LSR and DLSR. */
  onSenderReport(ntp: NtpTime, arrivalMs: number): void {
    this.lastSrMiddle = ntpMiddle32(ntp);
    this.lastSrArrivalMs = arrivalMs;
  }

  get jitter(): number {
    return Math.floor(this.jitterUnits);
  }

  get jitterMs(): number {
    return (this.jitterUnits * 1000) / this.clockRate;
  }

  /** Builds a report block about `ssrc` at `nowMs` (same time base as the arrivals); advances the loss interval. */
  reportBlock(ssrc: number, nowMs: number): ReportBlock {
    const s = this.sequence;
    const dlsr = this.lastSrMiddle === 0 ? 0 : Math.max(0, Math.round(((nowMs - this.lastSrArrivalMs) * 65536) / 1000));
    return {
      ssrc,
      fractionLost: s.takeFractionLost(),
      cumulativeLost: s.cumulativeLost,
      highestSeq: s.extendedMax >>> 0,
      jitter: this.jitter >>> 0,
      lsr: this.lastSrMiddle,
      dlsr: dlsr >>> 0,
    };
  }
}

export interface RtcpIntervalInput {
  readonly members: number;
  readonly senders: number;
  /** RTCP bandwidth in octets per second (5% of the session bandwidth, §6.2). */
  readonly rtcpBandwidth: number;
  readonly weSent: boolean;
  /** Average compound RTCP size in octets, including UDP/IP overhead. */
  readonly avgRtcpSize: number;
  readonly initial: boolean;
  /** Uniform random in [0, 1); injected for tests. */
  readonly random: () => number;
}

/**
 * The RTCP transmission interval of RFC 3550 §6.3.1 / A.7 in milliseconds, with the 5 s
 * minimum (halved before the first report), the [0.5, 1.5] randomization and the e - 3/2
 * compensation. For a two-party audio call this comes out between about 2 and 6 s.
 */
export function rtcpIntervalMs(input: RtcpIntervalInput): number {
  const RTCP_MIN_TIME = 5;
  const COMPENSATION = Math.E - 1.5;
  const minTime = input.initial ? RTCP_MIN_TIME / 2 : RTCP_MIN_TIME;
  let n = input.members;
  let bw = input.rtcpBandwidth;
  if (input.senders <= input.members * 0.25) {
    if (input.weSent) {
      bw *= 0.25;
      n = input.senders;
    } else {
      bw *= 0.75;
      n -= input.senders;
    }
  }
  let t = (input.avgRtcpSize * n) / bw;
  if (t < minTime) t = minTime;
  t = t * (input.random() + 0.5);
  return (t / COMPENSATION) * 1000;
}
