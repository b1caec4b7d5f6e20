import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionDescription } from './model';
import { parseSdp, tryParseSdp, writeSdp } from './sdp-codec';
import { SdpError } from './sdp-error';

const DIR = join(import.meta.dirname, '../../test/fixtures/sdp');
const fixture = (name: string) => readFileSync(join(DIR, name), 'utf8');
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.sdp'));

function attributeLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.startsWith('a='));
}

function parseError(text: string): SdpError {
  const r = tryParseSdp(text);
  if (r.ok) throw new Error('expected a parse error');
  return r.error;
}

const MINIMAL = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0'];
const sdp = (...lines: string[]) => lines.join('\r\n') + '\r\n';

describe('SDP codec round trip (parse → model → text → parse)', () => {
  it('has fixtures of every peer to read', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(11);
  });

  for (const name of FIXTURES) {
    it(`${name}: re-parsing the written text gives the same model and every a= line survives`, () => {
      const text = fixture(name);
      const model = parseSdp(text);
      const written = writeSdp(model);
      expect(parseSdp(written)).toEqual(model);
      expect(writeSdp(parseSdp(written))).toBe(written);
      expect(written.endsWith('\r\n')).toBe(true);
      expect(written.split('\r\n').slice(0, 2)).toEqual(text.split('\n').slice(0, 2));
      // Nothing is lost: the same a= lines, as a multiset (the grammar may reorder them).
      expect(attributeLines(written).sort()).toEqual(attributeLines(text).sort());
    });
  }

  it('reads CRLF, LF and trailing blanks alike', () => {
    const lf = fixture('asterisk-pjsip-offer.sdp');
    expect(parseSdp(lf.replace(/\n/g, '\r\n'))).toEqual(parseSdp(lf));
    expect(parseSdp(lf.replace(/\n/g, ' \n'))).toEqual(parseSdp(lf));
  });
});

describe('SDP codec model (per peer)', () => {
  it("reads Asterisk's o=, s=, maxptime and explicit sendrecv", () => {
    const d = parseSdp(fixture('asterisk-pjsip-offer.sdp'));
    expect(d.origin).toEqual({
      username: '-',
      sessionId: '1672931372',
      sessionVersion: 1672931372n,
      addressType: 'IP4',
      address: '192.0.2.30',
    });
    expect(d.sessionName).toBe('Asterisk');
    const audio = d.media[0]!;
    expect(audio).toMatchObject({ kind: 'audio', port: 17060, protocol: 'RTP/AVP', formats: ['0', '8', '9', '101'] });
    expect(audio.ptime).toBe(20);
    expect(audio.maxptime).toBe(150);
    expect(audio.direction).toBe('sendrecv');
    expect(audio.payloads.find((p) => p.payloadType === 101)).toEqual({
      payloadType: 101,
      rtpmap: { encodingName: 'telephone-event', clockRate: 8000 },
      fmtp: '0-16',
      rtcpFeedback: [],
    });
  });

  it("reads FreeSWITCH's a=rtcp with port and address (RFC 3605) and opus fmtp with '; '", () => {
    const audio = parseSdp(fixture('freeswitch-offer.sdp')).media[0]!;
    expect(audio.rtcp).toEqual({ port: 24581, connection: { addressType: 'IP4', address: '192.0.2.40' } });
    expect(audio.direction).toBeUndefined();
    expect(audio.payloads[0]).toMatchObject({
      payloadType: 102,
      rtpmap: { encodingName: 'opus', clockRate: 48000, channels: 2 },
      fmtp: 'useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=48000; ptime=20; minptime=10; maxptime=40',
    });
  });

  it("reads rtpengine's rtcp-mux, ICE candidates and every a=crypto line", () => {
    const audio = parseSdp(fixture('kamailio-rtpengine-offer.sdp')).media[0]!;
    expect(audio.rtcpMux).toBe(true);
    expect(audio.rtcp).toEqual({ port: 30001 });
    expect(audio.crypto.map((c) => c.suite)).toEqual([
      'AES_256_CM_HMAC_SHA1_80',
      'AES_256_CM_HMAC_SHA1_32',
      'AES_192_CM_HMAC_SHA1_80',
      'AES_192_CM_HMAC_SHA1_32',
      'AES_CM_128_HMAC_SHA1_80',
      'AES_CM_128_HMAC_SHA1_32',
      'F8_128_HMAC_SHA1_80',
      'NULL_HMAC_SHA1_80',
    ]);
    expect(audio.crypto[4]).toEqual({
      tag: 5,
      suite: 'AES_CM_128_HMAC_SHA1_80',
      keyParams: 'inline:SXMM7nwCf8H3Op45l6UY3UE/nGk3epRDTPzG7m0a',
    });
    const candidates = audio.attributes.filter((a) => a.name === 'candidate');
    expect(candidates).toHaveLength(3);
    expect(candidates[2]!.value).toBe('m3JvT0aQn9rB2cXe 1 UDP 16777215 198.51.100.7 41000 typ relay raddr 203.0.113.10 rport 30000');
    expect(audio.attributes.map((a) => a.name)).toEqual([
      'mid', 'setup', 'ice-ufrag', 'ice-pwd', 'ice-options', 'candidate', 'candidate', 'candidate', 'end-of-candidates',
    ]);
  });

  it("reads Linphone's rtcp-fb (wildcard and per payload), a=record and the text m= line", () => {
    const d = parseSdp(fixture('linphone-offer.sdp'));
    expect(d.attributes).toContainEqual({ name: 'record', value: 'off' });
    const [audio, video, text] = d.media;
    expect(audio!.rtcpFeedbackAll).toEqual([{ type: 'trr-int', subtype: '1000' }, { type: 'ccm', subtype: 'tmmbr' }]);
    expect(audio!.payloads.find((p) => p.payloadType === 18)).toEqual({ payloadType: 18, fmtp: 'annexb=yes', rtcpFeedback: [] });
    expect(video!.protocol).toBe('RTP/AVPF');
    expect(video!.payloads[0]!.rtcpFeedback).toEqual([{ type: 'nack', subtype: 'pli' }, { type: 'ccm', subtype: 'fir' }]);
    expect(text).toMatchObject({ kind: 'text', port: 9080, formats: ['98', '99'] });
    expect(text!.payloads[1]).toEqual({ payloadType: 99, rtpmap: { encodingName: 'red', clockRate: 1000 }, fmtp: '98/98/98', rtcpFeedback: [] });
  });

  it("reads baresip's RTP/SAVP crypto and session-level a=tool", () => {
    const d = parseSdp(fixture('baresip-srtp-mand-offer.sdp'));
    expect(d.attributes).toEqual([{ name: 'tool', value: 'baresip 3.12.0' }]);
    expect(d.media[0]!.protocol).toBe('RTP/SAVP');
    expect(d.media[0]!.bandwidth).toEqual([{ type: 'AS', value: 96 }]);
    expect(d.media[0]!.crypto).toHaveLength(4);
  });

  it('keeps every session parameter of a=crypto (sdp-transform alone keeps only the first)', () => {
    const d = parseSdp(sdp(...MINIMAL, 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc KDR=1 UNENCRYPTED_SRTP'));
    expect(d.media[0]!.crypto[0]!.sessionParams).toBe('KDR=1 UNENCRYPTED_SRTP');
    expect(writeSdp(d)).toContain('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc KDR=1 UNENCRYPTED_SRTP\r\n');
  });

  it('does not take a=rtcp-mux-only for a=rtcp-mux, nor a=sendrecvx for a direction', () => {
    const d = parseSdp(sdp(...MINIMAL, 'a=rtcp-mux-only', 'a=sendrecvx'));
    expect(d.media[0]!.rtcpMux).toBe(false);
    expect(d.media[0]!.direction).toBeUndefined();
    expect(d.media[0]!.attributes).toEqual([{ name: 'rtcp-mux-only' }, { name: 'sendrecvx' }]);
  });

  it('reads a session-level direction and c= at media level only', () => {
    const d = parseSdp(sdp('v=0', 'o=- 1 1 IN IP6 ::1', 's=-', 't=0 0', 'a=inactive', 'm=audio 4000 RTP/AVP 0', 'c=IN IP6 2001:db8::1'));
    expect(d.direction).toBe('inactive');
    expect(d.connection).toBeUndefined();
    expect(d.media[0]!.connection).toEqual({ addressType: 'IP6', address: '2001:db8::1' });
  });

  it('keeps a 64-bit o= session version exactly', () => {
    const d = parseSdp(sdp('v=0', 'o=- 18446744073709551615 18446744073709551614 IN IP4 192.0.2.1', ...MINIMAL.slice(2)));
    expect(d.origin.sessionId).toBe('18446744073709551615');
    expect(d.origin.sessionVersion).toBe(18446744073709551614n);
    expect(writeSdp(d)).toContain('o=- 18446744073709551615 18446744073709551614 IN IP4 192.0.2.1\r\n');
  });

  it('writes a model built by hand', () => {
    const d: SessionDescription = {
      origin: { username: 'parley', sessionId: '42', sessionVersion: 7n, addressType: 'IP4', address: '127.0.0.1' },
      sessionName: 'Parley',
      connection: { addressType: 'IP4', address: '127.0.0.1' },
      bandwidth: [],
      timing: { start: 0, stop: 0 },
      attributes: [],
      media: [
        {
          kind: 'audio',
          port: 40000,
          protocol: 'RTP/AVP',
          formats: ['0', '101'],
          bandwidth: [],
          payloads: [
            { payloadType: 0, rtpmap: { encodingName: 'PCMU', clockRate: 8000 }, rtcpFeedback: [] },
            { payloadType: 101, rtpmap: { encodingName: 'telephone-event', clockRate: 8000 }, fmtp: '0-16', rtcpFeedback: [] },
          ],
          rtcpFeedbackAll: [],
          ptime: 20,
          direction: 'sendonly',
          rtcpMux: true,
          crypto: [],
          attributes: [{ name: 'label', value: '1' }],
        },
      ],
    };
    expect(writeSdp(d)).toBe(
      [
        'v=0',
        'o=parley 42 7 IN IP4 127.0.0.1',
        's=Parley',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 40000 RTP/AVP 0 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendonly',
        'a=rtcp-mux',
        'a=label:1',
        '',
      ].join('\r\n'),
    );
  });
});

describe('SDP codec on malformed input (typed SdpError, never a crash)', () => {
  const cases: [string, string, RegExp][] = [
    ['empty text', '', /empty/],
    ['only whitespace', ' \r\n \r\n', /empty/],
    ['no v= first', sdp(...MINIMAL.slice(1)), /start with v=0/],
    ['v=1', sdp('v=1', ...MINIMAL.slice(1)), /start with v=0/],
    ['a line without type=', sdp(...MINIMAL.slice(0, 3), 'garbage here', ...MINIMAL.slice(3)), /<type>=<value>.*line 4/],
    ['an unknown line type', sdp(...MINIMAL, 'x=1'), /unknown line type "x="/],
    ['no o= line', sdp(MINIMAL[0]!, ...MINIMAL.slice(2)), /exactly one o=/],
    ['two o= lines', sdp(MINIMAL[0]!, MINIMAL[1]!, ...MINIMAL.slice(1)), /exactly one o=/],
    ['an o= without address', sdp('v=0', 'o=- 1 1 IN IP4', ...MINIMAL.slice(2)), /malformed o=/],
    ['an o= with a non-numeric session id', sdp('v=0', 'o=- abc 1 IN IP4 192.0.2.1', ...MINIMAL.slice(2)), /malformed o=/],
    ['a c= with a bad address type', sdp(...MINIMAL.slice(0, 3), 'c=IN IPX 1.2.3.4', ...MINIMAL.slice(4)), /malformed c=/],
    ['an m= without formats', sdp(...MINIMAL.slice(0, 5), 'm=audio 4000 RTP/AVP'), /malformed m=|no formats/],
    ['an m= with a port count', sdp(...MINIMAL.slice(0, 5), 'm=audio 4000/2 RTP/AVP 0'), /malformed m=/],
    ['an m= with a port above 65535', sdp(...MINIMAL.slice(0, 5), 'm=audio 70000 RTP/AVP 0'), /out of range/],
    ['an RTP format that is not a payload type', sdp(...MINIMAL.slice(0, 5), 'm=audio 4000 RTP/AVP 0 abc'), /not a payload type/],
    ['a payload type above 127', sdp(...MINIMAL.slice(0, 5), 'm=audio 4000 RTP/AVP 200'), /not a payload type/],
    ['an rtpmap without clock rate', sdp(...MINIMAL, 'a=rtpmap:0 PCMU'), /malformed a=rtpmap/],
    ['an rtpmap without payload type', sdp(...MINIMAL, 'a=rtpmap:x PCMU/8000'), /malformed a=rtpmap/],
    ['two rtpmaps for one payload type', sdp(...MINIMAL, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMA/8000'), /two a=rtpmap/],
    ['a zero ptime', sdp(...MINIMAL, 'a=ptime:0'), /ptime must be a positive/],
    ['a ptime that is not a number', sdp(...MINIMAL, 'a=ptime:abc'), /ptime/],
    ['a crypto line with two fields', sdp(...MINIMAL, 'a=crypto:1 AES_CM_128_HMAC_SHA1_80'), /malformed a=crypto/],
    ['an rtcp line without port', sdp(...MINIMAL, 'a=rtcp:abc'), /a=rtcp/],
    ['two directions in one m=', sdp(...MINIMAL, 'a=sendonly', 'a=recvonly'), /more than one direction/],
    ['an active m= without any c=', sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0'), /no c= line/],
    ['o= inside a media section', sdp(...MINIMAL, 'o=- 1 1 IN IP4 192.0.2.1'), /only allowed at session level/],
    ['binary noise', '\u0000\u0001\u0002v=0', /<type>=<value>/],
  ];
  for (const [what, text, message] of cases) {
    it(`rejects ${what}`, () => {
      const e = parseError(text);
      expect(e).toBeInstanceOf(SdpError);
      expect(e.code).toBe('sdp.invalid');
      expect(e.message).toMatch(message);
      expect(() => parseSdp(text)).toThrow(SdpError);
    });
  }

  it('says on which line the fault is', () => {
    expect(parseError(sdp(...MINIMAL, 'a=ptime:-5')).line).toBe(7);
  });

  it('accepts an m= with port 0 and no c= (a rejected stream)', () => {
    const d = parseSdp(sdp(...MINIMAL, 'm=video 0 RTP/AVP 96'));
    expect(d.media[1]).toMatchObject({ kind: 'video', port: 0 });
  });

  it('accepts non-RTP formats such as MSRP *', () => {
    const d = parseSdp(sdp(...MINIMAL, 'm=message 2855 TCP/MSRP *', 'a=path:msrp://192.0.2.1:2855/abc;tcp'));
    expect(d.media[1]).toMatchObject({ formats: ['*'], attributes: [{ name: 'path', value: 'msrp://192.0.2.1:2855/abc;tcp' }] });
  });

  it('refuses to write values that would break lines', () => {
    const d = parseSdp(sdp(...MINIMAL));
    expect(() => writeSdp({ ...d, sessionName: 'x\r\na=evil' })).toThrow(SdpError);
    const media = { ...d.media[0]!, attributes: [{ name: 'label', value: '1\nm=video 1 RTP/AVP 0' }] };
    expect(() => writeSdp({ ...d, media: [media] })).toThrow(SdpError);
    expect(() => writeSdp({ ...d, media: [{ ...d.media[0]!, attributes: [{ name: 'bad name' }] }] })).toThrow(SdpError);
  });
});
