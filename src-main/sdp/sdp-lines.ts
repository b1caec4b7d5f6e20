/**
 * The line walk under the SDP codec: splits text into typed lines and sections, checks what
 * sdp-transform would accept silently, and reads the attributes whose exact text matters
 * (directions, rtcp-mux, a=crypto, passthrough attributes).
 */
import type { Attribute, CryptoAttribute, Direction } from './model';
import { DIRECTIONS } from './model';
import { SdpError } from './sdp-error';

export interface RawLine {
  readonly type: string;
  readonly value: string;
  readonly lineNo: number;
}

/** a= names whose values the model types; every other name is passthrough. */
export const MEDIA_TYPED = new Set(['rtpmap', 'fmtp', 'rtcp', 'rtcp-fb', 'ptime', 'maxptime', 'crypto', 'rtcp-mux', ...DIRECTIONS]);
export const SESSION_TYPED = new Set<string>(DIRECTIONS);
/** RFC 4566 §9 token (att-field is a token). */
export const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

/** RFC 4566 §5 line types sdp-transform reads; others make the description invalid. */
const KNOWN_TYPES = new Set(['v', 'o', 's', 'i', 'u', 'e', 'p', 'c', 'b', 't', 'r', 'z', 'k', 'a', 'm']);

/** Splits text into lines (CRLF, LF or CR), dropping trailing blanks; every line must be <type>=<value>. */
export function splitLines(text: string): RawLine[] {
  const out: RawLine[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.replace(/[ \t]+$/, '');
    if (line === '') return;
    const m = /^([a-z])=(.*)$/.exec(line);
    if (!m) throw new SdpError(`line is not of the form <type>=<value>: "${clip(line)}"`, i + 1);
    const type = m[1]!;
    if (!KNOWN_TYPES.has(type)) throw new SdpError(`unknown line type "${type}="`, i + 1);
    out.push({ type, value: m[2]!, lineNo: i + 1 });
  });
  return out;
}

export function splitSections(lines: readonly RawLine[]): RawLine[][] {
  const sections: RawLine[][] = [[]];
  for (const l of lines) {
    if (l.type === 'm') sections.push([]);
    sections[sections.length - 1]!.push(l);
  }
  const session = sections[0]!;
  const count = (t: string) => session.filter((l) => l.type === t).length;
  if (count('o') !== 1) throw new SdpError('exactly one o= line is required before the first m= line');
  for (const t of ['v', 's', 'c']) {
    if (count(t) > 1) throw new SdpError(`more than one ${t}= line at session level`);
  }
  for (const section of sections.slice(1)) {
    for (const l of section) {
      if (['v', 'o', 's', 't', 'r', 'z', 'u', 'e', 'p'].includes(l.type)) {
        throw new SdpError(`${l.type}= is only allowed at session level`, l.lineNo);
      }
    }
  }
  return sections;
}

/** Direction and rtcp-mux by exact name; untyped lines kept; typed lines sdp-transform refused are errors. */
export function readAttributes(
  raw: readonly RawLine[],
  typed: ReadonlySet<string>,
  invalid: readonly { value: string }[] | undefined,
): { direction?: Direction; rtcpMux: boolean; attributes: Attribute[] } {
  const refused = new Set((invalid ?? []).map((v) => v.value));
  let direction: Direction | undefined;
  let rtcpMux = false;
  const attributes: Attribute[] = [];
  for (const l of raw) {
    if (l.type !== 'a') continue;
    const colon = l.value.indexOf(':');
    const name = colon < 0 ? l.value : l.value.slice(0, colon);
    if (!TOKEN.test(name)) throw new SdpError(`attribute name "${clip(name)}" is not a token`, l.lineNo);
    if (!typed.has(name)) {
      attributes.push(colon < 0 ? { name } : { name, value: l.value.slice(colon + 1) });
      continue;
    }
    if ((DIRECTIONS as readonly string[]).includes(name)) {
      if (direction !== undefined) throw new SdpError('more than one direction attribute', l.lineNo);
      direction = name as Direction;
    } else if (name === 'rtcp-mux') {
      rtcpMux = true;
    } else if (refused.has(l.value)) {
      throw new SdpError(`malformed a=${name} line: "${clip(l.value)}"`, l.lineNo);
    }
  }
  return { ...(direction ? { direction } : {}), rtcpMux, attributes };
}

/** a=crypto from the text: sdp-transform keeps only the first session parameter. */
export function cryptoOf(raw: readonly RawLine[]): CryptoAttribute[] {
  const out: CryptoAttribute[] = [];
  for (const l of raw) {
    if (l.type !== 'a' || !l.value.startsWith('crypto:')) continue;
    const m = /^crypto:(\d{1,9}) (\S+) (\S+)(?: +(.*))?$/.exec(l.value);
    if (!m) throw new SdpError(`malformed a=crypto line (want <tag> <suite> <key-params> [<session-params>]): "${clip(l.value)}"`, l.lineNo);
    const sessionParams = m[4]?.trim();
    out.push({ tag: Number(m[1]), suite: m[2]!, keyParams: m[3]!, ...(sessionParams ? { sessionParams } : {}) });
  }
  return out;
}

export function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
