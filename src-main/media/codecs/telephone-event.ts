import type { Clock, TimerHandle } from '../../base/clock';
import { ValidationError } from '../../base/errors';

/**
 * DTMF over RTP as telephone-event (RFC 4733 §2.3, §3.2):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  |     event     |E|R| volume    |          duration             |
 *
 * The sender keeps one RTP timestamp per event (its start), grows the duration each packet,
 * sets the marker on the first packet only, and sends the end packet three times (§2.5.1.4).
 * The receiver tells events apart by timestamp, so a lost first packet or lost end packets do
 * not lose the digit (the latter end by timeout).
 */
export const DTMF_EVENTS = '0123456789*#ABCD';
const FLASH = 16;

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D' | 'flash';

export function dtmfEventCode(digit: string): number {
  if (digit === 'flash') return FLASH;
  const i = DTMF_EVENTS.indexOf(digit.toUpperCase());
  if (digit.length !== 1 || i < 0) throw new ValidationError(`not a DTMF digit: ${digit}`);
  return i;
}

export function dtmfDigit(code: number): DtmfDigit | undefined {
  if (code === FLASH) return 'flash';
  return code < 16 ? (DTMF_EVENTS[code] as DtmfDigit) : undefined;
}

export interface TelephoneEventPayload {
  readonly event: number;
  readonly end: boolean;
  readonly volume: number;
  readonly duration: number;
}

export function writeTelephoneEvent(buf: Uint8Array, offset: number, p: TelephoneEventPayload): void {
  buf[offset] = p.event;
  buf[offset + 1] = (p.end ? 0x80 : 0) | (p.volume & 0x3f);
  buf[offset + 2] = (p.duration >>> 8) & 0xff;
  buf[offset + 3] = p.duration & 0xff;
}

export function readTelephoneEvent(buf: Uint8Array, offset: number, length: number): TelephoneEventPayload | undefined {
  if (length < 4) return undefined;
  return { event: buf[offset]!, end: (buf[offset + 1]! & 0x80) !== 0, volume: buf[offset + 1]! & 0x3f, duration: (buf[offset + 2]! << 8) | buf[offset + 3]! };
}

export interface TelephoneEventSenderOptions {
  /** RTP clock rate of the telephone-event payload (8000 with narrowband audio). */
  readonly clockRate?: number;
  /** Packet interval in ms (the audio ptime). */
  readonly packetMs?: number;
  /** Power level in -dBm0, 0..63 (RFC 4733 §2.3.4); default 10. */
  readonly volume?: number;
  /** Silent ticks between queued digits; default 3 (60 ms at 20 ms). */
  readonly gapPackets?: number;
}

/** One packet the sender wants on the wire this tick. `payload` is reused between ticks. */
export interface TelephoneEventPacket {
  readonly marker: boolean;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

type SendPhase = 'idle' | 'playing' | 'ending' | 'gap';

/**
 * Turns queued digits into telephone-event packets, one call to `tick` per packet interval.
 * While `tick` returns a packet, the caller sends it instead of an audio frame (and advances
 * the audio timestamp with `RtpSession.skipFrames(1)`).
 */
export class TelephoneEventSender {
  private readonly queue: { code: number; samples: number }[] = [];
  private phase: SendPhase = 'idle';
  private code = 0;
  private startTs = 0;
  private duration = 0;
  private target = 0;
  private endsLeft = 0;
  private gapLeft = 0;
  private first = false;
  private readonly samplesPerPacket: number;
  private readonly volume: number;
  private readonly gapPackets: number;
  private readonly payload = new Uint8Array(4);
  private readonly out: { marker: boolean; timestamp: number; payload: Uint8Array } = { marker: false, timestamp: 0, payload: this.payload };

  constructor(private readonly options: TelephoneEventSenderOptions = {}) {
    this.samplesPerPacket = ((options.clockRate ?? 8000) * (options.packetMs ?? 20)) / 1000;
    this.volume = options.volume ?? 10;
    this.gapPackets = options.gapPackets ?? 3;
  }

  /** Queues a digit for `durationMs` (at least one packet; capped to the 16-bit duration field). */
  send(digit: string, durationMs = 100): void {
    const code = dtmfEventCode(digit);
    const samples = Math.min(0xffff, Math.max(this.samplesPerPacket, Math.round((durationMs * (this.options.clockRate ?? 8000)) / 1000)));
    this.queue.push({ code, samples });
  }

  /** True while an event is being sent or queued (the caller should not send audio on ticks that return a packet). */
  get isBusy(): boolean {
    return this.phase !== 'idle' || this.queue.length > 0;
  }

  /**
   * Advances one packet interval. `timestamp` is the RTP timestamp audio would carry now
   * (`RtpSession.nextTimestamp`). Returns the packet to send, or undefined to send audio.
   */
  tick(timestamp: number): TelephoneEventPacket | undefined {
    switch (this.phase) {
      case 'gap':
        if (this.gapLeft-- > 0) return undefined;
        this.phase = 'idle';
        return this.tick(timestamp);
      case 'idle': {
        const next = this.queue.shift();
        if (!next) return undefined;
        this.phase = 'playing';
        this.code = next.code;
        this.target = next.samples;
        this.startTs = timestamp >>> 0;
        this.duration = 0;
        this.first = true;
        return this.tick(timestamp);
      }
      case 'playing': {
        // §2.5.1.2: same timestamp for the whole event, duration measured from its start.
        this.duration = Math.min(this.target, this.duration + this.samplesPerPacket);
        const marker = this.first;
        this.first = false;
        if (this.duration >= this.target) {
          this.phase = 'ending';
          this.endsLeft = 3;
          return this.ending(marker);
        }
        return this.packet(marker, false);
      }
      case 'ending':
        return this.ending(false);
    }
  }

  /** §2.5.1.4: the end packet goes out three times, with the same duration. */
  private ending(marker: boolean): TelephoneEventPacket {
    const p = this.packet(marker, true);
    if (--this.endsLeft === 0) {
      this.phase = this.gapPackets > 0 ? 'gap' : 'idle';
      this.gapLeft = this.gapPackets;
    }
    return p;
  }

  private packet(marker: boolean, end: boolean): TelephoneEventPacket {
    writeTelephoneEvent(this.payload, 0, { event: this.code, end, volume: this.volume, duration: this.duration });
    this.out.marker = marker;
    this.out.timestamp = this.startTs;
    return this.out;
  }
}

export interface DtmfReceiverDelegate {
  /** A new event began (key down). */
  onDigitStart?(digit: DtmfDigit): void;
  /** The event ended: by its end bit, by timeout (end packets lost), or superseded by a newer event. */
  onDigit(digit: DtmfDigit, durationMs: number, endedBy: 'end-bit' | 'timeout' | 'superseded'): void;
}

export interface TelephoneEventReceiverOptions {
  readonly clock: Clock;
  readonly delegate: DtmfReceiverDelegate;
  readonly clockRate?: number;
  /** An event with no packet for this long is ended; default 300 ms (pjmedia uses a similar bound). */
  readonly timeoutMs?: number;
}

/** Detects digits from received telephone-event payloads (RFC 4733 §2.5.2). */
export class TelephoneEventReceiver {
  private active: { ts: number; code: number; duration: number } | undefined;
  /** Timestamp of the last ended event, to drop its redundant end packets. */
  private lastEndedTs: number | undefined;
  private timer: TimerHandle | undefined;
  private readonly clockRate: number;

  constructor(private readonly options: TelephoneEventReceiverOptions) {
    this.clockRate = options.clockRate ?? 8000;
  }

  /** Feeds one telephone-event RTP packet (its timestamp and payload bytes). Bad payloads are ignored. */
  onPacket(timestamp: number, buf: Uint8Array, offset: number, length: number): void {
    const p = readTelephoneEvent(buf, offset, length);
    if (!p || dtmfDigit(p.event) === undefined) return;
    const ts = timestamp >>> 0;
    if (this.lastEndedTs !== undefined && ts === this.lastEndedTs) return;
    if (this.active && this.active.ts !== ts) {
      // An older timestamp is a late packet of a past event; a newer one starts a new event.
      if (((ts - this.active.ts) | 0) < 0) return;
      this.finish('superseded');
    }
    if (!this.active) {
      if (this.lastEndedTs !== undefined && ((ts - this.lastEndedTs) | 0) < 0) return;
      // A missing marker (lost first packet) does not matter: the new timestamp starts the event.
      this.active = { ts, code: p.event, duration: p.duration };
      this.options.delegate.onDigitStart?.(dtmfDigit(p.event)!);
    }
    this.active.duration = Math.max(this.active.duration, p.duration);
    if (p.end) {
      this.finish('end-bit');
      return;
    }
    this.options.clock.clearTimeout(this.timer);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.finish('timeout');
    }, this.options.timeoutMs ?? 300);
  }

  dispose(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.active = undefined;
  }

  private finish(endedBy: 'end-bit' | 'timeout' | 'superseded'): void {
    const a = this.active;
    if (!a) return;
    this.active = undefined;
    this.lastEndedTs = a.ts;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.options.delegate.onDigit(dtmfDigit(a.code)!, (a.duration * 1000) / this.clockRate, endedBy);
  }
}
