/**
 * SDP text ⇄ `SessionDescription`. The only file that imports sdp-transform (STYLE.md §3.9).
 *
 * sdp-transform supplies the grammar for the lines the model types (o=, s=, c=, b=, t=, m=,
 * rtpmap, fmtp, rtcp, rtcp-fb, ptime, maxptime, crypto). A line walk of our own splits the text
 * into sections, checks what sdp-transform accepts silently (it never throws), reads the flag
 * attributes exactly (sdp-transform's unanchored patterns take `a=rtcp-mux-only` for
 * `a=rtcp-mux`), and keeps every other a= line verbatim for passthrough.
 *
 * Limits of the grammar, written down: b= types other than AS/CT/RR/RS/TIAS and k= lines are
 * dropped; only the last t= line is kept; rtcp-fb parameters beyond the subtype are dropped.
 */
import { parse as transformParse, write as transformWrite } from 'sdp-transform';
import type {
  MediaDescription as TMedia,
  SessionDescription as TSession,
} from 'sdp-transform';
import type {
  AddressType,
  Attribute,
  Bandwidth,
  Connection,
  MediaDescription,
  PayloadFormat,
  RtcpAttribute,
  RtcpFeedback,
  RtpMap,
  SessionDescription,
} from './model';
import { isRtpProtocol } from './model';
import { SdpError } from './sdp-error';
import type { RawLine } from './sdp-lines';
import { MEDIA_TYPED, SESSION_TYPED, TOKEN, clip, cryptoOf, readAttributes, splitLines, splitSections } from './sdp-lines';

type ParseResult = { ok: true; description: SessionDescription } | { ok: false; error: SdpError };

const BANDWIDTH_TYPES = new Set(['AS', 'CT', 'RR', 'RS', 'TIAS']);
const UNSAFE = /[\r\n\0]/;

/** Parses SDP text; throws `SdpError` (code 'sdp.invalid') saying what is wrong. */
export function parseSdp(text: string): SessionDescription {
  if (typeof text !== 'string' || text.trim() === '') throw new SdpError('empty session description');
  const lines = splitLines(text);
  const first = lines[0];
  if (first === undefined || first.type !== 'v' || first.value !== '0') {
    throw new SdpError('a session description must start with v=0', first?.lineNo ?? 1);
  }
  const sections = splitSections(lines);
  const normalized = lines.map((l) => `${l.type}=${l.value}`).join('\r\n') + '\r\n';
  const parsed = transformParse(normalized);
  const [session, ...media] = sections;
  if (session === undefined || parsed.media.length !== media.length) {
    throw new SdpError('m= sections could not be read');
  }
  return buildSession(parsed, session, media);
}

/** Like `parseSdp`, but returns the error as a value. */
export function tryParseSdp(text: string): ParseResult {
  try {
    return { ok: true, description: parseSdp(text) };
  } catch (e) {
    if (e instanceof SdpError) return { ok: false, error: e };
    return { ok: false, error: new SdpError(`unreadable session description: ${String(e)}`) };
  }
}

/** Writes a description as SDP text with CRLF line ends (RFC 4566 §5). */
export function writeSdp(description: SessionDescription): string {
  const t = toTransform(description);
  const text = transformWrite(t);
  const version = description.origin.sessionVersion;
  if (version <= BigInt(Number.MAX_SAFE_INTEGER)) return text;
  // sdp-transform prints the version through Number(); write o= ourselves beyond 2^53.
  const out = text.split('\r\n');
  const o = description.origin;
  out[1] = `o=${o.username} ${o.sessionId} ${version} IN ${o.addressType} ${o.address}`;
  return out.join('\r\n');
}

function buildSession(t: TSession, session: readonly RawLine[], media: readonly RawLine[][]): SessionDescription {
  const oLine = session.find((l) => l.type === 'o')!;
  const o = t.origin as Partial<TSession['origin']> | undefined;
  if (!o || o.username === undefined || String(o.sessionId ?? '') === '' || String(o.sessionVersion ?? '') === '') {
    throw new SdpError('malformed o= line (want <username> <sess-id> <sess-version> IN IP4|IP6 <address>)', oLine.lineNo);
  }
  const sessionConnection = connectionOf(t.connection, session);
  const timing = t.timing ?? { start: 0, stop: 0 };
  const flags = readAttributes(session, SESSION_TYPED, t.invalid);
  const mediaOut = media.map((raw, i) => buildMedia(t.media[i]!, raw));
  mediaOut.forEach((m, i) => {
    if (m.port !== 0 && m.connection === undefined && sessionConnection === undefined) {
      throw new SdpError(`m= section ${i + 1} has no c= line and there is none at session level`, media[i]![0]!.lineNo);
    }
  });
  return {
    origin: {
      username: String(o.username),
      sessionId: String(o.sessionId),
      sessionVersion: BigInt(o.sessionVersion!),
      addressType: addressType(o.ipVer, oLine),
      address: requireString(o.address, 'o= address', oLine),
    },
    sessionName: t.name === undefined ? '-' : String(t.name),
    ...optional('information', t.description),
    ...optional('uri', t.uri),
    ...optional('email', t.email),
    ...optional('phone', t.phone),
    ...(sessionConnection ? { connection: sessionConnection } : {}),
    bandwidth: bandwidthOf(t.bandwidth),
    timing: { start: Number(timing.start), stop: Number(timing.stop) },
    ...optional('repeat', t.repeats),
    ...optional('timeZones', t.timezones),
    ...(flags.direction ? { direction: flags.direction } : {}),
    attributes: flags.attributes,
    media: mediaOut,
  };
}

function buildMedia(t: TMedia, raw: readonly RawLine[]): MediaDescription {
  const mLine = raw[0]!;
  const m = /^(\S+) (\d+) (\S+)((?: \S+)*)$/.exec(mLine.value);
  if (!m || t.type === undefined) {
    throw new SdpError(`malformed m= line (want <media> <port> <proto> <fmt> …): "${clip(mLine.value)}"`, mLine.lineNo);
  }
  const port = Number(m[2]);
  if (port > 65535) throw new SdpError(`m= port ${port} is out of range`, mLine.lineNo);
  const protocol = m[3]!;
  const formats = m[4]!.trim() === '' ? [] : m[4]!.trim().split(' ');
  if (formats.length === 0) throw new SdpError('m= line lists no formats', mLine.lineNo);
  const rtp = isRtpProtocol(protocol);
  if (rtp) {
    for (const f of formats) {
      if (!isPayloadType(f)) throw new SdpError(`RTP format "${f}" is not a payload type 0-127`, mLine.lineNo);
    }
  }
  const flags = readAttributes(raw, MEDIA_TYPED, t.invalid);
  const rtcp = rtcpOf(t.rtcp, raw);
  const ptime = positive(t.ptime, 'ptime', raw);
  const maxptime = positive(t.maxptime, 'maxptime', raw);
  const connection = connectionOf(t.connection, raw);
  const { payloads, all } = payloadsOf(t, raw, formats);
  return {
    kind: m[1]!,
    port,
    protocol,
    formats,
    ...optional('information', t.description),
    ...(connection ? { connection } : {}),
    bandwidth: bandwidthOf(t.bandwidth),
    payloads,
    rtcpFeedbackAll: all,
    ...(ptime !== undefined ? { ptime } : {}),
    ...(maxptime !== undefined ? { maxptime } : {}),
    ...(flags.direction ? { direction: flags.direction } : {}),
    ...(rtcp ? { rtcp } : {}),
    rtcpMux: flags.rtcpMux,
    crypto: cryptoOf(raw),
    attributes: flags.attributes,
  };
}

function payloadsOf(
  t: TMedia,
  raw: readonly RawLine[],
  formats: readonly string[],
): { payloads: PayloadFormat[]; all: RtcpFeedback[] } {
  const order: number[] = formats.filter(isPayloadType).map(Number);
  const maps = new Map<number, RtpMap>();
  const fmtps = new Map<number, string>();
  const feedback = new Map<number, RtcpFeedback[]>();
  const all: RtcpFeedback[] = [];
  // Malformed typed lines were refused already, so the i-th line of a name is the i-th entry.
  const linesOf = (name: string) => raw.filter((l) => l.type === 'a' && l.value.startsWith(`${name}:`));
  const rtpmapLines = linesOf('rtpmap');
  const fmtpLines = linesOf('fmtp');
  const note = (pt: number) => {
    if (!order.includes(pt)) order.push(pt);
  };
  t.rtp.forEach((r, i) => {
    const line = rtpmapLines[i] ?? raw[0]!;
    const pt = payloadType(r.payload, line);
    const clockRate = Number(r.rate);
    const channels = r.encoding === undefined ? undefined : Number(r.encoding);
    if (String(r.codec) === '' || !Number.isInteger(clockRate) || clockRate <= 0 || (channels !== undefined && !(channels > 0))) {
      throw new SdpError(`malformed a=rtpmap for payload type ${pt} (want <name>/<clock rate>[/<channels>])`, line.lineNo);
    }
    if (maps.has(pt)) throw new SdpError(`two a=rtpmap lines for payload type ${pt}`, line.lineNo);
    maps.set(pt, { encodingName: String(r.codec), clockRate, ...(channels !== undefined ? { channels } : {}) });
    note(pt);
  });
  t.fmtp.forEach((f, i) => {
    const line = fmtpLines[i] ?? raw[0]!;
    const pt = payloadType(f.payload, line);
    if (fmtps.has(pt)) throw new SdpError(`two a=fmtp lines for payload type ${pt}`, line.lineNo);
    fmtps.set(pt, String(f.config));
    note(pt);
  });
  // Read rtcp-fb lines in text order (sdp-transform files trr-int in a list of its own), then
  // put trr-int first, as the writer does, so a round trip gives the same model.
  const fb = [...(t.rtcpFb ?? [])];
  const trr = [...(t.rtcpFbTrrInt ?? [])];
  for (const l of raw) {
    if (l.type !== 'a' || !l.value.startsWith('rtcp-fb:')) continue;
    const isTrr = /^rtcp-fb:\S+ trr-int /.test(l.value);
    const entry = isTrr ? trr.shift() : fb.shift();
    if (!entry) throw new SdpError(`malformed a=rtcp-fb line: "${clip(l.value)}"`, l.lineNo);
    const item: RtcpFeedback =
      'value' in entry
        ? { type: 'trr-int', subtype: String(entry.value) }
        : { type: String(entry.type), ...(entry.subtype !== undefined ? { subtype: String(entry.subtype) } : {}) };
    if (item.type === '') throw new SdpError(`malformed a=rtcp-fb line: "${clip(l.value)}"`, l.lineNo);
    if (entry.payload === '*') {
      all.push(item);
    } else {
      const pt = payloadType(entry.payload, l);
      feedback.set(pt, [...(feedback.get(pt) ?? []), item]);
      note(pt);
    }
  }
  const described = order.filter((pt) => maps.has(pt) || fmtps.has(pt) || feedback.has(pt));
  const payloads = described.map((pt): PayloadFormat => {
    const rtpmap = maps.get(pt);
    const fmtp = fmtps.get(pt);
    return {
      payloadType: pt,
      ...(rtpmap ? { rtpmap } : {}),
      ...(fmtp !== undefined ? { fmtp } : {}),
      rtcpFeedback: trrFirst(feedback.get(pt) ?? []),
    };
  });
  return { payloads, all: trrFirst(all) };
}

function trrFirst(list: readonly RtcpFeedback[]): RtcpFeedback[] {
  return [...list.filter((f) => f.type === 'trr-int'), ...list.filter((f) => f.type !== 'trr-int')];
}

function rtcpOf(r: TMedia['rtcp'], raw: readonly RawLine[]): RtcpAttribute | undefined {
  if (!r) return undefined;
  const line = raw.find((l) => l.type === 'a' && l.value.startsWith('rtcp:'))!;
  const port = Number(r.port);
  if (String(r.port) === '' || !Number.isInteger(port) || port > 65535) {
    throw new SdpError(`malformed a=rtcp line (RFC 3605: <port> [IN IP4|IP6 <address>])`, line.lineNo);
  }
  if (r.address === undefined) return { port };
  return { port, connection: { addressType: addressType(r.ipVer, line), address: String(r.address) } };
}

function connectionOf(c: { version: number; ip: string } | undefined, raw: readonly RawLine[]): Connection | undefined {
  const line = raw.find((l) => l.type === 'c');
  if (!line) return undefined;
  if (!c || !/^IN IP[46] \S+$/.test(line.value)) {
    throw new SdpError(`malformed c= line (want IN IP4|IP6 <address>): "${clip(line.value)}"`, line.lineNo);
  }
  return { addressType: addressType(c.version, line), address: String(c.ip) };
}

function bandwidthOf(b: readonly { type: string; limit: number | string }[] | undefined): Bandwidth[] {
  return (b ?? [])
    .filter((x) => BANDWIDTH_TYPES.has(x.type))
    .map((x) => ({ type: x.type as Bandwidth['type'], value: Number(x.limit) }));
}

function addressType(ipVer: number | undefined, line: RawLine): AddressType {
  if (Number(ipVer) === 4) return 'IP4';
  if (Number(ipVer) === 6) return 'IP6';
  throw new SdpError(`address type must be IP4 or IP6`, line.lineNo);
}

function positive(v: number | string | undefined, name: string, raw: readonly RawLine[]): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (String(v) === '' || !Number.isFinite(n) || n <= 0) {
    const line = raw.find((l) => l.type === 'a' && l.value.startsWith(`${name}:`));
    throw new SdpError(`a=${name} must be a positive number`, line?.lineNo);
  }
  return n;
}

function payloadType(v: number | string, line: RawLine): number {
  if (!isPayloadType(String(v))) throw new SdpError(`"${String(v)}" is not a payload type 0-127`, line.lineNo);
  return Number(v);
}

function isPayloadType(s: string): boolean {
  return /^\d{1,3}$/.test(s) && Number(s) <= 127;
}

function requireString(v: unknown, what: string, line: RawLine): string {
  if (typeof v !== 'string' && typeof v !== 'number') throw new SdpError(`missing ${what}`, line.lineNo);
  return String(v);
}

function optional<K extends string>(key: K, v: string | number | undefined): { [P in K]?: string } {
  return v === undefined ? {} : ({ [key]: String(v) } as { [P in K]?: string });
}

// ---------------------------------------------------------------- model → sdp-transform

function toTransform(d: SessionDescription): TSession {
  const o = d.origin;
  checkText([o.username, o.sessionId, o.address, d.sessionName], 'o=/s=');
  if (!/^\d+$/.test(o.sessionId)) throw new SdpError(`o= session id must be digits, got "${o.sessionId}"`);
  if (o.sessionVersion < 0n) throw new SdpError('o= session version must not be negative');
  const safeVersion = o.sessionVersion <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(o.sessionVersion) : 0;
  const t: TSession = {
    version: 0,
    origin: { username: o.username, sessionId: o.sessionId, sessionVersion: safeVersion, netType: 'IN', ipVer: ipVer(o.addressType), address: o.address },
    // RFC 4566 §5.3: s= must not be empty; a single space is the placeholder (read back as '').
    name: d.sessionName === '' ? ' ' : d.sessionName,
    timing: { start: d.timing.start, stop: d.timing.stop },
    media: d.media.map(mediaToTransform),
  };
  if (d.information !== undefined) t.description = text(d.information);
  if (d.uri !== undefined) t.uri = text(d.uri);
  if (d.email !== undefined) t.email = text(d.email);
  if (d.phone !== undefined) t.phone = text(d.phone);
  if (d.connection) t.connection = connectionToTransform(d.connection);
  if (d.bandwidth.length > 0) t.bandwidth = d.bandwidth.map((b) => ({ type: b.type, limit: b.value }));
  if (d.repeat !== undefined) t.repeats = text(d.repeat);
  if (d.timeZones !== undefined) t.timezones = text(d.timeZones);
  if (d.direction) t.direction = d.direction;
  if (d.attributes.length > 0) t.invalid = d.attributes.map(attributeLine);
  return t;
}

function mediaToTransform(m: MediaDescription): TMedia {
  checkText([m.kind, m.protocol, ...m.formats], 'm=');
  if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535) throw new SdpError(`m= port ${m.port} is out of range`);
  if (m.formats.length === 0) throw new SdpError('an m= line needs at least one format');
  const t: TMedia = {
    type: m.kind,
    port: m.port,
    protocol: m.protocol,
    payloads: m.formats.join(' '),
    rtp: [],
    fmtp: [],
  };
  for (const p of m.payloads) {
    if (p.rtpmap) {
      t.rtp.push({ payload: p.payloadType, codec: text(p.rtpmap.encodingName), rate: p.rtpmap.clockRate, ...(p.rtpmap.channels !== undefined ? { encoding: p.rtpmap.channels } : {}) });
    }
    if (p.fmtp !== undefined) t.fmtp.push({ payload: p.payloadType, config: text(p.fmtp) });
  }
  const fb: NonNullable<TMedia['rtcpFb']> = [];
  const trr: NonNullable<TMedia['rtcpFbTrrInt']> = [];
  const addFb = (payload: number | string, f: RtcpFeedback) => {
    if (f.type === 'trr-int') trr.push({ payload, value: Number(f.subtype ?? 0) });
    else fb.push({ payload, type: text(f.type), ...(f.subtype !== undefined ? { subtype: text(f.subtype) } : {}) });
  };
  m.rtcpFeedbackAll.forEach((f) => addFb('*', f));
  m.payloads.forEach((p) => p.rtcpFeedback.forEach((f) => addFb(p.payloadType, f)));
  if (fb.length > 0) t.rtcpFb = fb;
  if (trr.length > 0) t.rtcpFbTrrInt = trr;
  if (m.information !== undefined) t.description = text(m.information);
  if (m.connection) t.connection = connectionToTransform(m.connection);
  if (m.bandwidth.length > 0) t.bandwidth = m.bandwidth.map((b) => ({ type: b.type, limit: b.value }));
  if (m.ptime !== undefined) t.ptime = m.ptime;
  if (m.maxptime !== undefined) t.maxptime = m.maxptime;
  if (m.direction) t.direction = m.direction;
  if (m.rtcp) {
    t.rtcp = m.rtcp.connection
      ? { port: m.rtcp.port, netType: 'IN', ipVer: ipVer(m.rtcp.connection.addressType), address: text(m.rtcp.connection.address) }
      : { port: m.rtcp.port };
  }
  if (m.rtcpMux) t.rtcpMux = 'rtcp-mux';
  if (m.crypto.length > 0) {
    t.crypto = m.crypto.map((c) => {
      checkText([c.suite, c.keyParams, c.sessionParams ?? ''], 'a=crypto');
      if (!Number.isInteger(c.tag) || c.tag < 0 || c.tag > 999_999_999) throw new SdpError(`a=crypto tag ${c.tag} is out of range`);
      return { id: c.tag, suite: c.suite, config: c.keyParams, ...(c.sessionParams ? { sessionConfig: c.sessionParams } : {}) };
    });
  }
  if (m.attributes.length > 0) t.invalid = m.attributes.map(attributeLine);
  return t;
}

function attributeLine(a: Attribute): { value: string } {
  if (!TOKEN.test(a.name)) throw new SdpError(`attribute name "${a.name}" is not a token`);
  return { value: a.value === undefined ? a.name : `${a.name}:${text(a.value)}` };
}

function connectionToTransform(c: Connection): { version: number; ip: string } {
  return { version: ipVer(c.addressType), ip: text(c.address) };
}

function ipVer(t: AddressType): number {
  return t === 'IP6' ? 6 : 4;
}

function text(s: string): string {
  checkText([s], 'value');
  return s;
}

function checkText(values: readonly string[], where: string): void {
  for (const v of values) {
    if (UNSAFE.test(v)) throw new SdpError(`${where} value contains a line break or NUL`);
  }
}
