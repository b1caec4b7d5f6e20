import type { Clock } from '../../base/clock';
import { InvalidStateError, ValidationError } from '../../base/errors';
import { nullLogger, type Logger } from '../../base/logger';
import { randomToken, randomUint32 } from '../../base/random-ids';
import { parseRtcp, rtcpSize, writeRtcp, type RtcpPacket } from '../rtcp/packets';
import { ReceptionStatistics } from '../rtcp/reports';
import { RtcpReporter, type RemoteReception } from '../rtcp/rtcp-reporter';
import { SRTP_FAILURE, type SrtpSession } from '../srtp/srtp-session';
import type { Datagram, RemoteAddress } from './datagram';
import { RemoteLatch } from './latch';
import { isRtcpPacket, parseRtp, RtpPacket, writeRtpHeader } from './packet';

export interface RtpSessionOptions {
  readonly clock: Clock;
  /** Socket for RTP (and RTCP with rtcp-mux). The session never closes it. */
  readonly socket: Datagram;
  /** Socket for RTCP without rtcp-mux; omitted with rtcp-mux. */
  readonly rtcpSocket?: Datagram;
  /** Where to send RTP (SDP c= and m= port). */
  readonly remote: RemoteAddress;
  /** Where to send RTCP without rtcp-mux (SDP a=rtcp, default RTP port + 1, RFC 3605). */
  readonly remoteRtcp?: RemoteAddress;
  /** RFC 5761 rtcp-mux: RTCP on the RTP port, demultiplexed by PT 64..95. */
  readonly rtcpMux: boolean;
  /** Payload type for audio frames. */
  readonly payloadType: number;
  /** RTP clock rate of the codec: 8000 for PCMU, PCMA and G.722 (RFC 3551 §4.5.2), 48000 for opus. */
  readonly clockRate: number;
  /** Packet time in ms (SDP a=ptime); default 20. */
  readonly ptimeMs?: number;
  /** Duration of one frame given to `sendFrame`; default 20. A ptime of N frames concatenates N payloads (sample codecs only). */
  readonly frameMs?: number;
  /** Symmetric RTP: answer to where the peer's packets come from; default true. */
  readonly symmetric?: boolean;
  readonly srtp?: SrtpSession;
  readonly cname?: string;
  /** RTCP options, or false for no RTCP at all. */
  readonly rtcp?: false | { readonly fixedIntervalMs?: number; readonly sessionBandwidth?: number; readonly random?: () => number };
  /** Fixed SSRC / initial sequence / timestamp (tests); random by default (RFC 3550 §5.1, §8.1). */
  readonly ssrc?: number;
  readonly initialSequence?: number;
  readonly initialTimestamp?: number;
  readonly logger?: Logger;
  readonly delegate?: RtpSessionDelegate;
}

/** One received RTP packet. The object and its buffer are reused: valid only during the call. */
export interface ReceivedRtp {
  readonly packet: RtpPacket;
  /** The datagram; the payload is `data[packet.payloadOffset .. + packet.payloadLength)`. */
  readonly data: Buffer;
  /** Extended (wrap-free) sequence number, RFC 3550 A.1. */
  readonly extendedSequence: number;
  /** `clock.now()` at arrival. */
  readonly arrivalMs: number;
}

/** Callbacks to the owner (the media session). All optional except onRtp. */
export interface RtpSessionDelegate {
  onRtp(rtp: ReceivedRtp): void;
  onRtcp?(packets: readonly RtcpPacket[]): void;
  onSsrcChanged?(previous: number, next: number): void;
  onRemoteLatched?(target: RemoteAddress, kind: 'rtp' | 'rtcp'): void;
  onBye?(ssrc: number, reason: string | undefined): void;
}

export interface RtpSessionCounters {
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  rtcpSent: number;
  rtcpReceived: number;
  malformed: number;
  srtpAuthFailures: number;
  srtpReplays: number;
  foreignSsrc: number;
}

const MAX_PACKET = 1500;

/**
 * One RTP stream pair (RFC 3550): sends our frames with a random SSRC, sequence and timestamp,
 * receives the peer's with SSRC lock and statistics, runs RTCP, and optionally SRTP.
 * The send path writes header, payload and SRTP tag into one preallocated buffer (no
 * per-packet allocation in this layer; node:crypto still returns fresh buffers inside SRTP).
 */
export class RtpSession {
  readonly ssrc: number;
  readonly counters: RtpSessionCounters = {
    packetsSent: 0,
    bytesSent: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    rtcpSent: 0,
    rtcpReceived: 0,
    malformed: 0,
    srtpAuthFailures: 0,
    srtpReplays: 0,
    foreignSsrc: 0,
  };
  readonly samplesPerPacket: number;
  private readonly samplesPerFrame: number;
  private readonly framesPerPacket: number;
  private seq: number;
  private timestamp: number;
  private talkspurtStart = true;
  /** The one send buffer: `Datagram.send` is done with it when it returns. */
  private readonly sendBuf = Buffer.alloc(MAX_PACKET + 64);
  /** Separate buffer for `sendPacket`, so an event never clobbers a half-built multi-frame packet. */
  private readonly eventBuf = Buffer.alloc(MAX_PACKET + 64);
  private pendingFrames = 0;
  private pendingLength = 0;
  private pendingMarker = false;
  private readonly rtpLatch: RemoteLatch;
  private readonly rtcpLatch: RemoteLatch;
  private readonly reporter: RtcpReporter | undefined;
  private readonly view = new RtpPacket();
  private readonly received: { packet: RtpPacket; data: Buffer; extendedSequence: number; arrivalMs: number };
  private remoteSsrc: number | undefined;
  private localReception: ReceptionStatistics | undefined;
  private candidateSsrc: number | undefined;
  private candidateCount = 0;
  private state: 'open' | 'closed' = 'open';
  private readonly log: Logger;

  constructor(private readonly options: RtpSessionOptions) {
    const ptime = options.ptimeMs ?? 20;
    const frameMs = options.frameMs ?? 20;
    if (ptime % frameMs !== 0) throw new ValidationError(`ptime ${ptime} is not a multiple of the ${frameMs} ms frame`);
    if (!options.rtcpMux && options.rtcp !== false && !options.rtcpSocket) {
      throw new ValidationError('RTCP without rtcp-mux needs an rtcpSocket');
    }
    this.framesPerPacket = ptime / frameMs;
    this.samplesPerFrame = (options.clockRate * frameMs) / 1000;
    this.samplesPerPacket = this.samplesPerFrame * this.framesPerPacket;
    this.ssrc = (options.ssrc ?? randomUint32()) >>> 0;
    this.seq = (options.initialSequence ?? randomUint32()) & 0xffff;
    this.timestamp = (options.initialTimestamp ?? randomUint32()) >>> 0;
    this.log = options.logger ?? nullLogger;
    this.received = { packet: this.view, data: Buffer.alloc(0), extendedSequence: 0, arrivalMs: 0 };
    const symmetric = options.symmetric ?? true;
    this.rtpLatch = new RemoteLatch(options.remote, symmetric);
    const rtcpTarget = options.rtcpMux ? options.remote : (options.remoteRtcp ?? { address: options.remote.address, port: options.remote.port + 1 });
    this.rtcpLatch = new RemoteLatch(rtcpTarget, symmetric);
    options.socket.onMessage((data, from) => this.onDatagram(data, from, false));
    options.rtcpSocket?.onMessage((data, from) => this.onDatagram(data, from, true));
    if (options.rtcp !== false) {
      this.reporter = new RtcpReporter({
        clock: options.clock,
        cname: options.cname ?? `${randomToken(12)}@parley`,
        ssrc: this.ssrc,
        clockRate: options.clockRate,
        send: (packets) => this.sendRtcp(packets),
        logger: this.log,
        ...(options.rtcp?.fixedIntervalMs !== undefined ? { fixedIntervalMs: options.rtcp.fixedIntervalMs } : {}),
        ...(options.rtcp?.sessionBandwidth !== undefined ? { sessionBandwidth: options.rtcp.sessionBandwidth } : {}),
        ...(options.rtcp?.random ? { random: options.rtcp.random } : {}),
      });
      this.reporter.start();
    }
  }

  /** The address RTP goes to now (after latching). */
  get remoteTarget(): RemoteAddress {
    return this.rtpLatch.target;
  }

  /** The RTP timestamp the next frame will carry (the start of a telephone-event, RFC 4733 §2.5.1.2). */
  get nextTimestamp(): number {
    return this.timestamp;
  }

  /** The SSRC we have locked onto, if any. */
  get remoteSource(): number | undefined {
    return this.remoteSsrc;
  }

  /**
   * Sends one frame of encoded audio (`frameMs` long). With ptime = N frames, N frames are
   * concatenated into one packet. The first packet of a talkspurt carries the marker bit
   * (RFC 3551 §4.1): the first ever, and the first after `skipFrames`.
   */
  sendFrame(payload: Uint8Array, length = payload.length): void {
    this.assertOpen();
    const buf = this.sendBuf;
    if (this.pendingFrames === 0) {
      this.pendingMarker = this.talkspurtStart;
      this.talkspurtStart = false;
      this.pendingLength = writeRtpHeader(buf, {
        marker: this.pendingMarker,
        payloadType: this.options.payloadType,
        sequenceNumber: this.seq,
        timestamp: this.timestamp,
        ssrc: this.ssrc,
      });
    }
    if (this.pendingLength + length > MAX_PACKET) throw new ValidationError('RTP payload too large');
    buf.set(length === payload.length ? payload : payload.subarray(0, length), this.pendingLength);
    this.pendingLength += length;
    if (++this.pendingFrames < this.framesPerPacket) return;
    this.pendingFrames = 0;
    this.transmit(buf, this.pendingLength, this.timestamp);
    this.timestamp = (this.timestamp + this.samplesPerPacket) >>> 0;
  }

  /**
   * Advances the timestamp by `frames` frames without sending (silence, hold, or frames replaced
   * by telephone-event packets); the next `sendFrame` starts a talkspurt with the marker bit.
   */
  skipFrames(frames = 1): void {
    this.timestamp = (this.timestamp + frames * this.samplesPerFrame) >>> 0;
    if (this.pendingFrames > 0) {
      // A partly built packet is abandoned: its frames' time is already counted by the caller.
      this.pendingFrames = 0;
    }
    this.talkspurtStart = true;
  }

  /** Sends a packet with an explicit PT, marker and timestamp (telephone-event, RFC 4733). */
  sendPacket(payloadType: number, marker: boolean, timestamp: number, payload: Uint8Array, length = payload.length): void {
    this.assertOpen();
    const buf = this.eventBuf;
    if (length > MAX_PACKET - 12) throw new ValidationError('RTP payload too large');
    const h = writeRtpHeader(buf, { marker, payloadType, sequenceNumber: this.seq, timestamp: timestamp >>> 0, ssrc: this.ssrc });
    buf.set(length === payload.length ? payload : payload.subarray(0, length), h);
    this.transmit(buf, h + length, timestamp >>> 0);
  }

  /** Round-trip time from the last RTCP report about our stream (ms). */
  get remoteReception(): RemoteReception | undefined {
    return this.reporter?.remote;
  }

  /** Receive statistics for the locked remote source. */
  get reception(): ReceptionStatistics | undefined {
    return this.reporter?.reception ?? this.localReception;
  }

  /** Points the session at a new SDP address (re-INVITE); latching starts over. */
  setRemote(remote: RemoteAddress, remoteRtcp?: RemoteAddress): void {
    this.rtpLatch.reset(remote);
    this.rtcpLatch.reset(this.options.rtcpMux ? remote : (remoteRtcp ?? { address: remote.address, port: remote.port + 1 }));
  }

  /** Sends RTCP BYE (RFC 3550 §6.6) unless `bye` is false, stops RTCP and detaches from the sockets. Idempotent. */
  dispose(options: { readonly bye?: boolean; readonly reason?: string } = {}): void {
    if (this.state === 'closed') return;
    if (this.reporter) {
      if (options.bye === false) this.reporter.dispose();
      else this.reporter.stop(options.reason);
    }
    this.state = 'closed';
    this.options.socket.onMessage(undefined);
    this.options.rtcpSocket?.onMessage(undefined);
  }

  private transmit(buf: Buffer, length: number, timestamp: number): void {
    const payloadBytes = length - 12;
    let n = length;
    if (this.options.srtp) n = this.options.srtp.protectRtp(buf, length);
    const to = this.rtpLatch.target;
    this.options.socket.send(buf, 0, n, to.port, to.address);
    this.seq = (this.seq + 1) & 0xffff;
    this.counters.packetsSent++;
    this.counters.bytesSent += payloadBytes;
    this.reporter?.noteSent(timestamp, payloadBytes, this.options.clock.now());
  }

  private sendRtcp(packets: RtcpPacket[]): void {
    const overhead = this.options.srtp?.rtcpOverhead ?? 0;
    const buf = Buffer.alloc(rtcpSize(packets) + overhead);
    let n = writeRtcp(buf, packets);
    if (this.options.srtp) n = this.options.srtp.protectRtcp(buf, n);
    const to = this.rtcpLatch.target;
    const socket = this.options.rtcpMux ? this.options.socket : this.options.rtcpSocket;
    socket?.send(buf, 0, n, to.port, to.address);
    this.counters.rtcpSent++;
  }

  private onDatagram(data: Buffer, from: RemoteAddress, onRtcpSocket: boolean): void {
    if (this.state === 'closed') return;
    if (onRtcpSocket || (this.options.rtcpMux && isRtcpPacket(data, data.length))) this.onRtcp(data, from);
    else if (!onRtcpSocket) this.onRtp(data, from);
  }

  private onRtp(data: Buffer, from: RemoteAddress): void {
    let length = data.length;
    if (this.options.srtp) {
      length = this.options.srtp.unprotectRtp(data, length);
      if (length < 0) {
        if (length === SRTP_FAILURE.REPLAY || length === SRTP_FAILURE.TOO_OLD) this.counters.srtpReplays++;
        else if (length === SRTP_FAILURE.AUTH) this.counters.srtpAuthFailures++;
        else this.counters.malformed++;
        return;
      }
    }
    const p = this.view;
    if (parseRtp(data, length, p) !== null) {
      this.counters.malformed++;
      return;
    }
    if (!this.acceptSource(p.ssrc)) return;
    if (this.rtpLatch.observe(from)) this.options.delegate?.onRemoteLatched?.(this.rtpLatch.target, 'rtp');
    const now = this.options.clock.now();
    const stats = this.reception!;
    const verdict = stats.onPacket(p.sequenceNumber, p.timestamp, now);
    if (verdict === 'bad') return;
    this.counters.packetsReceived++;
    this.counters.bytesReceived += p.payloadLength;
    this.reporter?.noteReceived();
    const r = this.received;
    r.data = data;
    r.extendedSequence = stats.sequence.lastExtended;
    r.arrivalMs = now;
    this.options.delegate?.onRtp(r);
  }

  /**
   * SSRC lock: the first source is locked; a different SSRC is foreign until it sends two
   * packets in a row, then it replaces the old one (a peer that restarted its stream, a
   * re-INVITE to a new media server) with fresh statistics.
   */
  private acceptSource(ssrc: number): boolean {
    if (this.remoteSsrc === ssrc) {
      this.candidateSsrc = undefined;
      return true;
    }
    if (this.remoteSsrc !== undefined) {
      if (this.candidateSsrc === ssrc) this.candidateCount++;
      else {
        this.candidateSsrc = ssrc;
        this.candidateCount = 1;
      }
      if (this.candidateCount < 2) {
        this.counters.foreignSsrc++;
        return false;
      }
    }
    const previous = this.remoteSsrc;
    this.remoteSsrc = ssrc;
    this.candidateSsrc = undefined;
    const stats = new ReceptionStatistics(this.options.clockRate);
    if (this.reporter) {
      this.reporter.reception = stats;
      this.reporter.remoteSsrc = ssrc;
    } else this.localReception = stats;
    if (previous !== undefined) {
      this.log.info('remote SSRC changed', { from: previous, to: ssrc });
      this.options.delegate?.onSsrcChanged?.(previous, ssrc);
    }
    return true;
  }

  private onRtcp(data: Buffer, from: RemoteAddress): void {
    let length = data.length;
    if (this.options.srtp) {
      length = this.options.srtp.unprotectRtcp(data, length);
      if (length < 0) {
        if (length === SRTP_FAILURE.AUTH) this.counters.srtpAuthFailures++;
        else if (length === SRTP_FAILURE.REPLAY || length === SRTP_FAILURE.TOO_OLD) this.counters.srtpReplays++;
        else this.counters.malformed++;
        return;
      }
    }
    const parsed = parseRtcp(data, length, true);
    if (!parsed.ok) {
      this.counters.malformed++;
      return;
    }
    this.counters.rtcpReceived++;
    if (this.rtcpLatch.observe(from)) this.options.delegate?.onRemoteLatched?.(this.rtcpLatch.target, 'rtcp');
    this.reporter?.onRtcp(parsed.packets, data.length);
    for (const p of parsed.packets) {
      if (p.type === 'bye' && this.remoteSsrc !== undefined && p.ssrcs.includes(this.remoteSsrc)) {
        this.options.delegate?.onBye?.(this.remoteSsrc, p.reason);
      }
    }
    this.options.delegate?.onRtcp?.(parsed.packets);
  }

  private assertOpen(): void {
    if (this.state === 'closed') throw new InvalidStateError('RTP session is closed');
  }
}
