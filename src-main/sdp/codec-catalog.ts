/**
 * What the SDP layer knows about audio formats: the codecs Parley offers, the static payload
 * types of RFC 3551 §6 Table 4, and telephone-event (RFC 4733).
 */
import type { MediaDescription, PayloadFormat } from './model';
import { findPayload } from './model';

/** Audio codecs Parley can offer, by their rtpmap encoding names. */
export type AudioCodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus';

export interface CatalogEntry {
  readonly name: AudioCodecName;
  /** RTP clock rate: G.722 uses 8000 despite sampling at 16 kHz (RFC 3551 §4.5.2). */
  readonly clockRate: number;
  /** rtpmap channels: opus is always written opus/48000/2 (RFC 7587 §7). */
  readonly channels: number;
  /** Static payload type (RFC 3551 Table 4), or undefined for a dynamic one. */
  readonly staticPayloadType?: number;
  /** fmtp we write for it, describing what we accept. */
  readonly fmtp?: string;
}

export const AUDIO_CODECS: Readonly<Record<AudioCodecName, CatalogEntry>> = {
  PCMU: { name: 'PCMU', clockRate: 8000, channels: 1, staticPayloadType: 0 },
  PCMA: { name: 'PCMA', clockRate: 8000, channels: 1, staticPayloadType: 8 },
  G722: { name: 'G722', clockRate: 8000, channels: 1, staticPayloadType: 9 },
  opus: { name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' },
};

export const TELEPHONE_EVENT = 'telephone-event';
/** RFC 4733 §7.1.1: events 0-15 are DTMF digits, 16 is flash. */
export const TELEPHONE_EVENT_FMTP = '0-16';
/** RFC 3551 §3: dynamic payload types. */
export const DYNAMIC_PT_FIRST = 96;
export const DYNAMIC_PT_LAST = 127;

/** Static audio payload types of RFC 3551 Table 4 that an offer may list without rtpmap. */
const STATIC_AUDIO: ReadonlyMap<number, { name: string; clockRate: number; channels: number }> = new Map([
  [0, { name: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { name: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { name: 'G723', clockRate: 8000, channels: 1 }],
  [5, { name: 'DVI4', clockRate: 8000, channels: 1 }],
  [6, { name: 'DVI4', clockRate: 16000, channels: 1 }],
  [7, { name: 'LPC', clockRate: 8000, channels: 1 }],
  [8, { name: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { name: 'G722', clockRate: 8000, channels: 1 }],
  [10, { name: 'L16', clockRate: 44100, channels: 2 }],
  [11, { name: 'L16', clockRate: 44100, channels: 1 }],
  [12, { name: 'QCELP', clockRate: 8000, channels: 1 }],
  [13, { name: 'CN', clockRate: 8000, channels: 1 }],
  [14, { name: 'MPA', clockRate: 90000, channels: 1 }],
  [15, { name: 'G728', clockRate: 8000, channels: 1 }],
  [16, { name: 'DVI4', clockRate: 11025, channels: 1 }],
  [17, { name: 'DVI4', clockRate: 22050, channels: 1 }],
  [18, { name: 'G729', clockRate: 8000, channels: 1 }],
]);

/** A payload type of an m= line resolved to its encoding. */
export interface ResolvedFormat {
  readonly payloadType: number;
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp?: string;
}

/**
 * The encoding of one payload type: its a=rtpmap, else the static table (RFC 3264 §5.1 lets
 * static types go without rtpmap). Undefined for a dynamic type without rtpmap.
 */
export function resolveFormat(media: MediaDescription, payloadType: number): ResolvedFormat | undefined {
  const p: PayloadFormat | undefined = findPayload(media, payloadType);
  const fmtp = p?.fmtp !== undefined ? { fmtp: p.fmtp } : {};
  if (p?.rtpmap) {
    return {
      payloadType,
      name: p.rtpmap.encodingName,
      clockRate: p.rtpmap.clockRate,
      channels: p.rtpmap.channels ?? 1,
      ...fmtp,
    };
  }
  const s = STATIC_AUDIO.get(payloadType);
  return s ? { payloadType, ...s, ...fmtp } : undefined;
}

/** Encoding names compare case-insensitively (RFC 4566 §6, rtpmap). */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The catalog codec a resolved format is, if Parley supports it. */
export function catalogEntryFor(f: ResolvedFormat, enabled: readonly AudioCodecName[]): CatalogEntry | undefined {
  for (const name of enabled) {
    const c = AUDIO_CODECS[name];
    // RFC 7587 §7: opus is always 48000/2 in rtpmap, whatever is actually sent.
    if (sameName(f.name, c.name) && f.clockRate === c.clockRate && f.channels === c.channels) return c;
  }
  return undefined;
}

export function isTelephoneEvent(f: ResolvedFormat): boolean {
  return sameName(f.name, TELEPHONE_EVENT);
}
