/**
 * The codecs Parley offers, in preference order (baresip's `aucodecl`). SDP negotiation looks a
 * codec up by its rtpmap encoding name and clock rate (case-insensitive, RFC 4855 §3), or a
 * static payload type with no rtpmap by number (RFC 3551 Table 4).
 */
import { ValidationError } from '../../base/errors';
import type { AudioCodec } from './audio-codec';
import { g722 } from './g722';
import { opus } from './opus';
import { pcma } from './pcma';
import { pcmu } from './pcmu';

export class CodecRegistry {
  private readonly codecs: AudioCodec[] = [];

  constructor(codecs: readonly AudioCodec[] = []) {
    for (const c of codecs) this.register(c);
  }

  /** Adds a codec at the end of the preference list; a second codec of the same name/rate is refused. */
  register(codec: AudioCodec): void {
    if (this.find(codec.name, codec.clockRate)) {
      throw new ValidationError(`codec ${codec.name}/${codec.clockRate} is already registered`);
    }
    this.codecs.push(codec);
  }

  /** All codecs, most preferred first. */
  list(): readonly AudioCodec[] {
    return this.codecs;
  }

  /** The codec for an `a=rtpmap` encoding name and clock rate, compared case-insensitively. */
  find(name: string, clockRate: number): AudioCodec | undefined {
    const n = name.toLowerCase();
    return this.codecs.find((c) => c.name.toLowerCase() === n && c.clockRate === clockRate);
  }

  /** The codec with this static payload type (0..95), for an m= line without rtpmap. */
  findStatic(payloadType: number): AudioCodec | undefined {
    return this.codecs.find((c) => c.isStaticPayloadType && c.payloadType === payloadType);
  }
}

/** Opus, G.722, PCMU, PCMA: the order offered in SDP. */
export function createDefaultCodecRegistry(): CodecRegistry {
  return new CodecRegistry([opus, g722, pcmu, pcma]);
}
