import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyGenerator } from './crypto-attr';
import { parseCrypto } from './crypto-attr';
import type { Origin, SessionDescription } from './model';
import type { AnswerOutcome } from './negotiate';
import { buildAnswer, buildOffer, processAnswer } from './negotiate';
import type { LocalAudioCapabilities, NegotiatedAudio, NegotiationFailure } from './negotiation-types';
import { parseSdp, tryParseSdp, writeSdp } from './sdp-codec';

const DIR = join(import.meta.dirname, '../../test/fixtures/sdp');
const fixture = (name: string) => parseSdp(readFileSync(join(DIR, name), 'utf8'));

/** Deterministic key bytes: 1, 2, 3, … across calls. */
function countingKeys(): KeyGenerator {
  let next = 1;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}

function caps(over: Partial<LocalAudioCapabilities> = {}): LocalAudioCapabilities {
  return { address: '127.0.0.1', port: 40000, codecs: ['PCMU', 'PCMA', 'G722', 'opus'], srtp: 'off', generateKey: countingKeys(), ...over };
}

const ORIGIN: Origin = { username: '-', sessionId: '4242', sessionVersion: 1n, addressType: 'IP4', address: '127.0.0.1' };
const sdp = (...lines: string[]) => parseSdp(lines.join('\r\n') + '\r\n');
const HEAD = ['v=0', 'o=- 9 9 IN IP4 192.0.2.9', 's=-', 'c=IN IP4 192.0.2.9', 't=0 0'];

function accepted(r: AnswerOutcome): { answer: SessionDescription; audio: NegotiatedAudio } {
  if (!r.ok) throw new Error(`negotiation failed: ${r.reason}: ${r.message}`);
  return r;
}

function failed(r: { ok: boolean }): NegotiationFailure {
  if (r.ok) throw new Error('expected a negotiation failure');
  return r as NegotiationFailure;
}

function answerTo(offer: SessionDescription, c: LocalAudioCapabilities = caps()) {
  return buildAnswer(offer, c, { origin: ORIGIN });
}

describe('buildOffer (RFC 3264 §5)', () => {
  it('offers G.711, G.722, opus and telephone-event at 8000 and 48000 over RTP/AVP when SRTP is off', () => {
    const offer = buildOffer(caps(), { origin: ORIGIN });
    expect(writeSdp(offer)).toBe(
      [
        'v=0',
        'o=- 4242 1 IN IP4 127.0.0.1',
        's=-',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 40000 RTP/AVP 0 8 9 96 97 98',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:96 opus/48000/2',
        'a=rtpmap:97 telephone-event/8000',
        'a=rtpmap:98 telephone-event/48000',
        'a=fmtp:96 useinbandfec=1',
        'a=fmtp:97 0-16',
        'a=fmtp:98 0-16',
        'a=ptime:20',
        'a=sendrecv',
        'a=rtcp-mux',
        '',
      ].join('\r\n'),
    );
  });

  it('follows the codec order of the settings and offers telephone-event only at the rates offered', () => {
    const pcmu = buildOffer(caps({ codecs: ['PCMA', 'PCMU'] }), { origin: ORIGIN }).media[0]!;
    expect(pcmu.formats).toEqual(['8', '0', '96']);
    expect(pcmu.payloads[2]!.rtpmap).toEqual({ encodingName: 'telephone-event', clockRate: 8000 });
    const opus = buildOffer(caps({ codecs: ['opus'] }), { origin: ORIGIN }).media[0]!;
    expect(opus.payloads.map((p) => `${p.payloadType} ${p.rtpmap!.encodingName}/${p.rtpmap!.clockRate}`)).toEqual(['96 opus/48000', '97 telephone-event/48000']);
    const none = buildOffer(caps({ telephoneEvent: false }), { origin: ORIGIN }).media[0]!;
    expect(none.formats).toEqual(['0', '8', '9', '96']);
  });

  it('offers RTP/AVP with a=crypto for every suite under the optional policy', () => {
    const audio = buildOffer(caps({ srtp: 'optional' }), { origin: ORIGIN }).media[0]!;
    expect(audio.protocol).toBe('RTP/AVP');
    expect(audio.crypto.map((c) => [c.tag, c.suite])).toEqual([
      [1, 'AES_CM_128_HMAC_SHA1_80'],
      [2, 'AES_CM_128_HMAC_SHA1_32'],
      [3, 'AEAD_AES_128_GCM'],
      [4, 'AEAD_AES_256_GCM'],
    ]);
    for (const c of audio.crypto) expect(parseCrypto(c).ok).toBe(true);
    expect(new Set(audio.crypto.map((c) => c.keyParams)).size).toBe(4);
  });

  it('offers RTP/SAVP with a=crypto under the mandatory policy, limited to the chosen suites', () => {
    const audio = buildOffer(caps({ srtp: 'mandatory', srtpSuites: ['AEAD_AES_256_GCM'] }), { origin: ORIGIN }).media[0]!;
    expect(audio.protocol).toBe('RTP/SAVP');
    expect(audio.crypto).toHaveLength(1);
    expect(audio.crypto[0]).toMatchObject({ tag: 1, suite: 'AEAD_AES_256_GCM' });
  });

  it('writes a=rtcp for an explicit RTCP port without mux (RFC 3605), and IPv6 c=', () => {
    const offer = buildOffer(caps({ address: '::1', rtcpPort: 40005, rtcpMux: false }), { origin: ORIGIN });
    expect(offer.connection).toEqual({ addressType: 'IP6', address: '::1' });
    expect(offer.media[0]!.rtcp).toEqual({ port: 40005 });
    expect(offer.media[0]!.rtcpMux).toBe(false);
  });

  it('re-offers keep the m= layout of the previous description and its SRTP keys (RFC 3264 §8)', () => {
    const linphone = fixture('linphone-offer.sdp');
    const ours = accepted(answerTo(linphone, caps({ srtp: 'optional' }))).answer;
    const reoffer = buildOffer(caps({ srtp: 'optional' }), { origin: ORIGIN, previous: ours, direction: 'sendonly' });
    expect(reoffer.media.map((m) => [m.kind, m.port])).toEqual([['audio', 40000], ['video', 0], ['text', 0]]);
    expect(reoffer.media[0]!.direction).toBe('sendonly');
    const twoAudio = accepted(answerTo(sdp(...HEAD, 'm=audio 5000 UDP/TLS/RTP/SAVPF 0', 'm=audio 5002 RTP/AVP 8'))).answer;
    expect(buildOffer(caps(), { origin: ORIGIN, previous: twoAudio }).media.map((m) => m.port)).toEqual([0, 40000]);
    const first = buildOffer(caps({ srtp: 'mandatory' }), { origin: ORIGIN });
    const again = buildOffer(caps({ srtp: 'mandatory' }), { origin: ORIGIN, previous: first });
    expect(again.media[0]!.crypto).toEqual(first.media[0]!.crypto);
  });
});

describe('buildAnswer (RFC 3264 §6)', () => {
  it("answers Asterisk's offer in the offer's order with its payload types", () => {
    const { answer, audio } = accepted(answerTo(fixture('asterisk-pjsip-offer.sdp')));
    expect(answer.media[0]).toMatchObject({ port: 40000, protocol: 'RTP/AVP', formats: ['0', '8', '9', '101'], direction: 'sendrecv', ptime: 20, rtcpMux: false, crypto: [] });
    expect(audio).toEqual({
      mediaIndex: 0,
      remote: { address: '192.0.2.30', port: 17060 },
      rtcp: { mux: false, address: '192.0.2.30', port: 17061 },
      send: { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
      receive: [
        { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
        { name: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1 },
        { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 },
      ],
      telephoneEvent: { sendPayloadType: 101, receivePayloadType: 101, clockRate: 8000 },
      ptime: 20,
      direction: { sending: true, receiving: true },
      srtp: null,
    });
  });

  it("answers FreeSWITCH's opus with its PT 102 and telephone-event matched by rate (48000 → PT 100)", () => {
    const { answer, audio } = accepted(answerTo(fixture('freeswitch-offer.sdp')));
    expect(answer.media[0]!.formats).toEqual(['102', '9', '0', '8', '101', '100']);
    expect(audio.send).toEqual({
      name: 'opus',
      payloadType: 102,
      clockRate: 48000,
      channels: 2,
      fmtp: 'useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=48000; ptime=20; minptime=10; maxptime=40',
    });
    expect(audio.telephoneEvent).toEqual({ sendPayloadType: 100, receivePayloadType: 100, clockRate: 48000 });
    expect(audio.rtcp).toEqual({ mux: false, address: '192.0.2.40', port: 24581 });
    expect(audio.receive[0]).toEqual({ name: 'opus', payloadType: 102, clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' });
  });

  it('lists formats in our preference order when asked to, and sends the first', () => {
    const { answer, audio } = accepted(answerTo(fixture('freeswitch-offer.sdp'), caps({ codecs: ['PCMA', 'opus'], answerCodecOrder: 'local' })));
    expect(answer.media[0]!.formats).toEqual(['8', '102', '101', '100']);
    expect(audio.send.name).toBe('PCMA');
    expect(audio.telephoneEvent).toEqual({ sendPayloadType: 101, receivePayloadType: 101, clockRate: 8000 });
  });

  it("declines Linphone's video and text with port 0, keeping the m= count and order", () => {
    const { answer, audio } = accepted(answerTo(fixture('linphone-offer.sdp')));
    expect(answer.media.map((m) => [m.kind, m.port, m.protocol, m.formats.join(' ')])).toEqual([
      ['audio', 40000, 'RTP/AVP', '96 0 8 101 100'],
      ['video', 0, 'RTP/AVPF', '96'],
      ['text', 0, 'RTP/AVP', '98 99'],
    ]);
    expect(audio.send).toMatchObject({ name: 'opus', payloadType: 96 });
    expect(audio.telephoneEvent).toEqual({ sendPayloadType: 101, receivePayloadType: 101, clockRate: 48000 });
    expect(audio.rtcp).toEqual({ mux: false, address: '192.0.2.20', port: 7079 });
    // The written answer is valid SDP again.
    expect(parseSdp(writeSdp(answer))).toEqual(answer);
  });

  it('leaves telephone-event out when it is disabled', () => {
    const { answer, audio } = accepted(answerTo(fixture('asterisk-pjsip-offer.sdp'), caps({ telephoneEvent: false })));
    expect(answer.media[0]!.formats).toEqual(['0', '8', '9']);
    expect(audio.telephoneEvent).toBeNull();
  });

  it('accepts rtcp-mux when offered (RFC 5761) and leaves it out when disabled', () => {
    const offer = fixture('baresip-srtp-offer.sdp');
    const { answer, audio } = accepted(answerTo(offer));
    expect(answer.media[0]!.rtcpMux).toBe(true);
    expect(audio.rtcp).toEqual({ mux: true });
    const off = accepted(answerTo(offer, caps({ rtcpMux: false })));
    expect(off.answer.media[0]!.rtcpMux).toBe(false);
    expect(off.audio.rtcp).toEqual({ mux: false, address: '192.0.2.10', port: 10003 });
  });

  it('ignores a dynamic payload type that has no rtpmap', () => {
    const { audio } = accepted(answerTo(sdp(...HEAD, 'm=audio 5000 RTP/AVP 96 0', 'a=fmtp:96 x=1')));
    expect(audio.receive.map((c) => c.payloadType)).toEqual([0]);
  });

  describe('directions (RFC 3264 §6.1)', () => {
    const offerWith = (dir: string, conn = '192.0.2.9') =>
      sdp('v=0', 'o=- 9 9 IN IP4 192.0.2.9', 's=-', `c=IN IP4 ${conn}`, 't=0 0', 'm=audio 5000 RTP/AVP 0', `a=${dir}`);
    const cases: [string, 'sendrecv' | 'sendonly', string, boolean, boolean][] = [
      ['sendrecv', 'sendrecv', 'sendrecv', true, true],
      ['sendonly', 'sendrecv', 'recvonly', false, true],
      ['recvonly', 'sendrecv', 'sendonly', true, false],
      ['inactive', 'sendrecv', 'inactive', false, false],
      ['sendrecv', 'sendonly', 'sendonly', true, false],
      ['sendonly', 'sendonly', 'inactive', false, false],
      ['recvonly', 'sendonly', 'sendonly', true, false],
    ];
    for (const [offered, wanted, answered, sending, receiving] of cases) {
      it(`answers ${offered} with ${answered} when we want ${wanted}`, () => {
        const { answer, audio } = accepted(buildAnswer(offerWith(offered), caps(), { origin: ORIGIN, direction: wanted }));
        expect(answer.media[0]!.direction).toBe(answered);
        expect(audio.direction).toEqual({ sending, receiving });
      });
    }

    it("answers Asterisk's hold re-INVITE (sendonly) with recvonly", () => {
      const { answer } = accepted(answerTo(fixture('asterisk-pjsip-hold.sdp')));
      expect(answer.media[0]!.direction).toBe('recvonly');
    });

    it('treats the RFC 2543 hold (c=0.0.0.0) as sendonly and does not send', () => {
      const { answer, audio } = accepted(answerTo(offerWith('sendrecv', '0.0.0.0')));
      expect(answer.media[0]!.direction).toBe('recvonly');
      expect(audio.direction).toEqual({ sending: false, receiving: true });
      expect(audio.remote.address).toBe('0.0.0.0');
    });
  });

  describe('SRTP policies', () => {
    it('optional: takes the first supported a=crypto of a baresip RTP/SAVP offer and answers with our key', () => {
      const offer = fixture('baresip-srtp-mand-offer.sdp');
      const { answer, audio } = accepted(answerTo(offer, caps({ srtp: 'optional' })));
      expect(answer.media[0]!.protocol).toBe('RTP/SAVP');
      expect(answer.media[0]!.crypto).toHaveLength(1);
      const line = answer.media[0]!.crypto[0]!;
      expect(line).toMatchObject({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80' });
      expect(audio.srtp).toEqual({
        suite: 'AES_CM_128_HMAC_SHA1_80',
        localKey: line.keyParams.slice('inline:'.length),
        remoteKey: 'gM792GkqGu/AYDn85mvYiI+mds5OBZGohfi3Gnxx',
      });
      expect(Buffer.from(audio.srtp!.localKey, 'base64')).toEqual(Buffer.from(Array.from({ length: 30 }, (_, i) => i + 1)));
    });

    it('answers with the tag of the suite we allow (AEAD_AES_128_GCM is tag 4 in the baresip offer)', () => {
      const { answer, audio } = accepted(answerTo(fixture('baresip-srtp-mand-offer.sdp'), caps({ srtp: 'mandatory', srtpSuites: ['AEAD_AES_128_GCM'] })));
      expect(answer.media[0]!.crypto[0]).toMatchObject({ tag: 4, suite: 'AEAD_AES_128_GCM' });
      expect(Buffer.from(audio.srtp!.localKey, 'base64')).toHaveLength(28);
    });

    it("mandatory: skips rtpengine's AES-256/192-CM, F8 and NULL lines and takes tag 5", () => {
      const { answer, audio } = accepted(answerTo(fixture('kamailio-rtpengine-offer.sdp'), caps({ srtp: 'mandatory' })));
      expect(answer.media[0]!.crypto[0]).toMatchObject({ tag: 5, suite: 'AES_CM_128_HMAC_SHA1_80' });
      expect(audio.srtp?.remoteKey).toBe('SXMM7nwCf8H3Op45l6UY3UE/nGk3epRDTPzG7m0a');
      expect(audio.rtcp).toEqual({ mux: true });
      expect(answer.media[0]!.attributes).toEqual([]);
    });

    it("off: answers baresip's best-effort RTP/AVP + a=crypto with plain RTP", () => {
      const { answer, audio } = accepted(answerTo(fixture('baresip-srtp-offer.sdp'), caps({ srtp: 'off' })));
      expect(answer.media[0]!.protocol).toBe('RTP/AVP');
      expect(answer.media[0]!.crypto).toEqual([]);
      expect(audio.srtp).toBeNull();
    });

    it('optional and mandatory: use the a=crypto of an RTP/AVP offer', () => {
      for (const srtp of ['optional', 'mandatory'] as const) {
        const { answer, audio } = accepted(answerTo(fixture('baresip-srtp-offer.sdp'), caps({ srtp })));
        expect(answer.media[0]!.protocol).toBe('RTP/AVP');
        expect(audio.srtp?.suite).toBe('AES_CM_128_HMAC_SHA1_80');
      }
    });

    it('optional: falls back to plain RTP when no a=crypto of an RTP/AVP offer is usable', () => {
      const offer = sdp(...HEAD, 'm=audio 5000 RTP/AVP 0', 'a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:e7BqLs6APOZzWHfPZhMI/kS3oHhSw0OKnWmYUD9foKIxNL17e+L0xcC05/xFCg==');
      const { answer, audio } = accepted(answerTo(offer, caps({ srtp: 'optional' })));
      expect(answer.media[0]!.crypto).toEqual([]);
      expect(audio.srtp).toBeNull();
      expect(failed(answerTo(offer, caps({ srtp: 'mandatory' }))).reason).toBe('no-acceptable-crypto');
    });

    it('488: mandatory refuses a plain RTP/AVP offer', () => {
      const f = failed(answerTo(fixture('asterisk-pjsip-offer.sdp'), caps({ srtp: 'mandatory' })));
      expect(f).toMatchObject({ ok: false, status: 488, reason: 'srtp-required', warnCode: 399 });
    });

    it('488: off refuses an RTP/SAVP offer', () => {
      const f = failed(answerTo(fixture('asterisk-pjsip-sdes-offer.sdp'), caps({ srtp: 'off' })));
      expect(f).toMatchObject({ status: 488, reason: 'srtp-refused' });
    });

    it('488: an RTP/SAVP offer with no a=crypto we support', () => {
      const f = failed(answerTo(fixture('kamailio-rtpengine-offer.sdp'), caps({ srtp: 'optional', srtpSuites: ['AEAD_AES_256_GCM'] })));
      expect(f.reason).toBe('no-acceptable-crypto');
      expect(f.message).toMatch(/tag 1: crypto suite AES_256_CM_HMAC_SHA1_80 is not supported/);
      expect(f.message).toMatch(/tag 5: suite AES_CM_128_HMAC_SHA1_80 is disabled/);
    });

    it('488: an RTP/SAVP offer without a=crypto, and one whose only key has an MKI', () => {
      expect(failed(answerTo(sdp(...HEAD, 'm=audio 5000 RTP/SAVP 0'), caps({ srtp: 'optional' }))).reason).toBe('no-acceptable-crypto');
      const mki = sdp(...HEAD, 'm=audio 5000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:SXMM7nwCf8H3Op45l6UY3UE/nGk3epRDTPzG7m0a|2^31|1:1');
      expect(failed(answerTo(mki, caps({ srtp: 'mandatory' }))).message).toMatch(/MKI/);
    });

    it('keeps our key in an answer to a re-offer that keeps the same tag and suite', () => {
      const offer = fixture('asterisk-pjsip-sdes-offer.sdp');
      const first = accepted(answerTo(offer, caps({ srtp: 'optional' })));
      const again = accepted(buildAnswer(offer, caps({ srtp: 'optional' }), { origin: ORIGIN, previous: first.answer }));
      expect(again.answer.media[0]!.crypto).toEqual(first.answer.media[0]!.crypto);
    });
  });

  describe('other 488 cases', () => {
    it('no common codec → 488 with Warning 305', () => {
      const f = failed(answerTo(sdp(...HEAD, 'm=audio 5000 RTP/AVP 18', 'a=rtpmap:18 G729/8000')));
      expect(f).toMatchObject({ status: 488, warnCode: 305, reason: 'no-common-codec' });
      expect(f.message).toMatch(/G729\/8000/);
    });

    it('no audio stream → 488 with Warning 304', () => {
      expect(failed(answerTo(sdp(...HEAD, 'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 VP8/90000')))).toMatchObject({ warnCode: 304, reason: 'no-audio' });
      expect(failed(answerTo(sdp(...HEAD, 'm=audio 0 RTP/AVP 0'))).reason).toBe('no-audio');
    });

    it('declines DTLS-SRTP audio (UDP/TLS/RTP/SAVPF) and takes the next audio stream', () => {
      const offer = sdp(...HEAD, 'm=audio 5000 UDP/TLS/RTP/SAVPF 0', 'm=audio 5002 RTP/AVP 8');
      const { answer, audio } = accepted(answerTo(offer));
      expect(answer.media.map((m) => m.port)).toEqual([0, 40000]);
      expect(audio.mediaIndex).toBe(1);
      expect(audio.send.name).toBe('PCMA');
      expect(failed(answerTo(sdp(...HEAD, 'm=audio 5000 UDP/TLS/RTP/SAVPF 0'))).reason).toBe('no-audio');
    });
  });
});

describe('processAnswer (RFC 3264 §7)', () => {
  const ourOffer = (c: LocalAudioCapabilities = caps()) => buildOffer(c, { origin: ORIGIN });

  it("reads Asterisk's answer: PCMU, telephone-event 97 both ways, RTCP on port + 1", () => {
    const r = processAnswer(ourOffer(), fixture('asterisk-pjsip-answer.sdp'));
    expect(r).toEqual({
      ok: true,
      audio: {
        mediaIndex: 0,
        remote: { address: '192.0.2.30', port: 17070 },
        rtcp: { mux: false, address: '192.0.2.30', port: 17071 },
        send: { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
        receive: [{ name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 }],
        telephoneEvent: { sendPayloadType: 97, receivePayloadType: 97, clockRate: 8000 },
        ptime: 20,
        direction: { sending: true, receiving: true },
        srtp: null,
      },
    });
  });

  it("reads FreeSWITCH's answer: opus, telephone-event/48000, a=rtcp with its own address, ptime 40", () => {
    const r = processAnswer(ourOffer(), fixture('freeswitch-answer.sdp'));
    if (!r.ok) throw new Error(r.message);
    expect(r.audio.send).toEqual({ name: 'opus', payloadType: 96, clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1; maxplaybackrate=48000; minptime=10' });
    expect(r.audio.receive).toEqual([{ name: 'opus', payloadType: 96, clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' }]);
    expect(r.audio.telephoneEvent).toEqual({ sendPayloadType: 98, receivePayloadType: 98, clockRate: 48000 });
    expect(r.audio.rtcp).toEqual({ mux: false, address: '192.0.2.41', port: 24599 });
    expect(r.audio.ptime).toBe(40);
  });

  it("reads rtpengine's SRTP answer: media-level c=, rtcp-mux, our key by tag and theirs", () => {
    const offer = ourOffer(caps({ srtp: 'mandatory' }));
    const r = processAnswer(offer, fixture('kamailio-rtpengine-answer.sdp'));
    if (!r.ok) throw new Error(r.message);
    expect(r.audio.remote).toEqual({ address: '203.0.113.11', port: 30010 });
    expect(r.audio.rtcp).toEqual({ mux: true });
    expect(r.audio.send).toMatchObject({ name: 'PCMA', payloadType: 8 });
    expect(r.audio.srtp).toEqual({
      suite: 'AES_CM_128_HMAC_SHA1_80',
      localKey: offer.media[0]!.crypto[0]!.keyParams.slice('inline:'.length),
      remoteKey: 'cbAQEof1o2wDs+rNPoPoct5TdZ2mj9ueRo0jYxtn',
    });
  });

  it('sends with the PT of the answer and receives with ours when the answerer renumbers', () => {
    const answer = sdp(...HEAD, 'm=audio 5000 RTP/AVP 111', 'a=rtpmap:111 opus/48000/2');
    const r = processAnswer(ourOffer(), answer);
    expect(r.ok && [r.audio.send.payloadType, r.audio.receive[0]!.payloadType, r.audio.telephoneEvent]).toEqual([111, 96, null]);
  });

  it('reads directions from our offer and the answer', () => {
    const held = buildOffer(caps(), { origin: ORIGIN, direction: 'sendonly' });
    const recvonly = processAnswer(held, sdp(...HEAD, 'm=audio 5000 RTP/AVP 0', 'a=recvonly'));
    expect(recvonly.ok && recvonly.audio.direction).toEqual({ sending: true, receiving: false });
    const sloppy = processAnswer(held, sdp(...HEAD, 'm=audio 5000 RTP/AVP 0', 'a=sendrecv'));
    expect(sloppy.ok && sloppy.audio.direction).toEqual({ sending: true, receiving: false });
    const holdsUs = processAnswer(ourOffer(), sdp(...HEAD, 'm=audio 5000 RTP/AVP 0', 'a=sendonly'));
    expect(holdsUs.ok && holdsUs.audio.direction).toEqual({ sending: false, receiving: true });
  });

  describe('answers that break RFC 3264 §6 / RFC 4568', () => {
    const invalid = (offer: SessionDescription, answer: SessionDescription) => failed(processAnswer(offer, answer));

    it('a different number of m= lines', () => {
      const f = invalid(ourOffer(), sdp(...HEAD, 'm=audio 5000 RTP/AVP 0', 'm=video 0 RTP/AVP 96'));
      expect(f).toMatchObject({ reason: 'answer-invalid', status: 488 });
      expect(f.message).toMatch(/2 m= lines, the offer had 1/);
    });

    it('a different media type in an m= line', () => {
      expect(invalid(ourOffer(), sdp(...HEAD, 'm=video 5000 RTP/AVP 0')).message).toMatch(/is video/);
    });

    it('a different transport protocol', () => {
      expect(invalid(ourOffer(), sdp(...HEAD, 'm=audio 5000 RTP/SAVP 0')).message).toMatch(/RTP\/SAVP for an offer of RTP\/AVP/);
    });

    it('a codec that was not offered', () => {
      const f = invalid(ourOffer(caps({ codecs: ['PCMU'] })), sdp(...HEAD, 'm=audio 5000 RTP/AVP 8 18', 'a=rtpmap:18 G729/8000'));
      expect(f).toMatchObject({ reason: 'answer-invalid' });
      expect(f.message).toMatch(/no codec from the offer/);
    });

    it('the audio stream rejected with port 0', () => {
      expect(invalid(ourOffer(), sdp(...HEAD, 'm=audio 0 RTP/AVP 0')).reason).toBe('no-audio');
    });

    it('a=crypto with a tag or suite we did not offer, or several lines', () => {
      const offer = ourOffer(caps({ srtp: 'mandatory', srtpSuites: ['AES_CM_128_HMAC_SHA1_80'] }));
      const key = 'cbAQEof1o2wDs+rNPoPoct5TdZ2mj9ueRo0jYxtn';
      expect(invalid(offer, sdp(...HEAD, 'm=audio 5000 RTP/SAVP 0', `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${key}`)).message).toMatch(/tag 2 was not offered/);
      expect(invalid(offer, sdp(...HEAD, 'm=audio 5000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${key}`)).message).toMatch(/changes suite/);
      expect(invalid(offer, sdp(...HEAD, 'm=audio 5000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}`, `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}`)).message).toMatch(/more than one/);
      expect(invalid(offer, sdp(...HEAD, 'm=audio 5000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=')).reason).toBe('no-acceptable-crypto');
    });

    it('no a=crypto in the answer to RTP/SAVP, and a=crypto when none was offered', () => {
      expect(invalid(ourOffer(caps({ srtp: 'mandatory' })), sdp(...HEAD, 'm=audio 5000 RTP/SAVP 0')).reason).toBe('no-acceptable-crypto');
      const f = invalid(ourOffer(), sdp(...HEAD, 'm=audio 5000 RTP/AVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:cbAQEof1o2wDs+rNPoPoct5TdZ2mj9ueRo0jYxtn'));
      expect(f.message).toMatch(/offer had none/);
    });

    it('accepts a plain answer to an optional (RTP/AVP + a=crypto) offer', () => {
      const r = processAnswer(ourOffer(caps({ srtp: 'optional' })), fixture('asterisk-pjsip-answer.sdp'));
      expect(r.ok && r.audio.srtp).toBeNull();
    });
  });
});

describe('two Parley ends negotiate with each other', () => {
  for (const srtp of ['off', 'optional', 'mandatory'] as const) {
    it(`agree on codec, telephone-event and crossed SRTP keys with policy ${srtp}`, () => {
      const alice = caps({ srtp, codecs: ['opus', 'PCMA'] });
      const bob = caps({ srtp, address: '127.0.0.2', port: 42000, codecs: ['PCMA', 'opus'], generateKey: (n) => new Uint8Array(n).fill(0xaa) });
      const offer = parseSdp(writeSdp(buildOffer(alice, { origin: ORIGIN })));
      const { answer, audio: b } = accepted(buildAnswer(offer, bob, { origin: { ...ORIGIN, sessionId: '77' } }));
      const r = processAnswer(offer, parseSdp(writeSdp(answer)));
      if (!r.ok) throw new Error(r.message);
      const a = r.audio;
      expect(a.send).toEqual(b.receive[0]);
      expect(b.send.payloadType).toBe(a.receive[0]!.payloadType);
      expect(a.send.name).toBe('opus');
      expect(a.remote).toEqual({ address: '127.0.0.2', port: 42000 });
      expect(b.remote).toEqual({ address: '127.0.0.1', port: 40000 });
      expect([a.rtcp, b.rtcp]).toEqual([{ mux: true }, { mux: true }]);
      expect(a.telephoneEvent).toEqual({ sendPayloadType: 98, receivePayloadType: 98, clockRate: 48000 });
      if (srtp === 'off') {
        expect([a.srtp, b.srtp]).toEqual([null, null]);
      } else {
        expect(a.srtp!.localKey).toBe(b.srtp!.remoteKey);
        expect(a.srtp!.remoteKey).toBe(b.srtp!.localKey);
        expect(a.srtp!.localKey).not.toBe(a.srtp!.remoteKey);
      }
    });
  }
});

describe('negotiation on hostile input (property based, bounded)', () => {
  const FIXTURE_TEXTS = ['asterisk-pjsip-offer.sdp', 'freeswitch-offer.sdp', 'linphone-offer.sdp', 'baresip-srtp-mand-offer.sdp', 'kamailio-rtpengine-offer.sdp', 'kamailio-rtpengine-answer.sdp', 'freeswitch-answer.sdp']
    .map((f) => readFileSync(join(DIR, f), 'utf8'));

  it('returns a value (answer or failure) and never throws for mutated offers and answers', () => {
    const offers = (['off', 'optional', 'mandatory'] as const).map((srtp) => buildOffer(caps({ srtp }), { origin: ORIGIN }));
    fc.assert(
      fc.property(fc.nat({ max: FIXTURE_TEXTS.length - 1 }), fc.nat({ max: 40 }), fc.string({ maxLength: 16 }), fc.nat({ max: 40 }), (which, line, noise, cut) => {
        const lines = FIXTURE_TEXTS[which]!.split('\n');
        const i = line % lines.length;
        lines[i] = lines[i]!.slice(0, cut) + noise + lines[i]!.slice(cut);
        const parsed = tryParseSdp(lines.join('\r\n'));
        if (!parsed.ok) return;
        for (const srtp of ['off', 'optional', 'mandatory'] as const) {
          const a = buildAnswer(parsed.description, caps({ srtp }), { origin: ORIGIN });
          expect(typeof a.ok).toBe('boolean');
          if (a.ok) expect(parseSdp(writeSdp(a.answer))).toEqual(a.answer);
        }
        for (const offer of offers) expect(typeof processAnswer(offer, parsed.description).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('fails, rather than crashes, on a hand-built stream without any c=', () => {
    const offer = fixture('asterisk-pjsip-offer.sdp');
    const { connection: _dropped, ...noConnection } = offer;
    expect(failed(answerTo(noConnection)).reason).toBe('no-audio');
    const answer = fixture('asterisk-pjsip-answer.sdp');
    const { connection: _gone, ...bare } = answer;
    expect(failed(processAnswer(buildOffer(caps(), { origin: ORIGIN }), bare)).reason).toBe('answer-invalid');
  });
});
