import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../base/errors';
import type { LogRecord } from '../base/logger';
import { LogHub, memorySink } from '../base/logger';
import type { SessionDescription } from './model';
import type { LocalAudioCapabilities } from './negotiation-types';
import { OfferAnswerSession } from './offer-answer';
import { parseSdp, writeSdp } from './sdp-codec';

const DIR = join(import.meta.dirname, '../../test/fixtures/sdp');
const fixture = (name: string) => parseSdp(readFileSync(join(DIR, name), 'utf8'));

function caps(over: Partial<LocalAudioCapabilities> = {}): LocalAudioCapabilities {
  return { address: '127.0.0.1', port: 40000, codecs: ['PCMU', 'PCMA', 'G722', 'opus'], srtp: 'off', ...over };
}

function session(over: Partial<LocalAudioCapabilities> = {}, logger = new LogHub('silent').logger('test')) {
  return new OfferAnswerSession({ capabilities: caps(over), sessionId: '5150', logger });
}

/** The peer's answer to `offer`: Asterisk's answer text with the direction the peer picks. */
function peerAnswer(direction: string, version = 1): SessionDescription {
  const base = fixture('asterisk-pjsip-answer.sdp');
  return { ...base, origin: { ...base.origin, sessionVersion: BigInt(version) }, media: [{ ...base.media[0]!, direction: direction as 'sendrecv' }] };
}

const audioDirection = (d: SessionDescription) => d.media[0]!.direction;

describe('OfferAnswerSession (RFC 3264, RFC 6337)', () => {
  it('goes stable → have-local-offer → negotiated for our offer and its answer, logging each move', () => {
    const records: LogRecord[] = [];
    const hub = new LogHub('debug');
    hub.addSink(memorySink(records));
    const oa = session({}, hub.logger('call'));
    expect(oa.state).toBe('stable');
    expect(oa.hasOutstandingOffer()).toBe(false);
    const offer = oa.createOffer();
    expect(oa.state).toBe('have-local-offer');
    expect(oa.hasOutstandingOffer()).toBe(true);
    expect(oa.hasLocalOffer()).toBe(true);
    expect(offer.origin).toMatchObject({ sessionId: '5150', sessionVersion: 1n, address: '127.0.0.1' });
    const r = oa.setRemoteAnswer(fixture('asterisk-pjsip-answer.sdp'));
    expect(r.ok).toBe(true);
    expect(oa.state).toBe('negotiated');
    expect(oa.hasOutstandingOffer()).toBe(false);
    expect(oa.negotiated?.send.name).toBe('PCMU');
    expect(oa.localDescription).toBe(offer);
    expect(records.map((x) => `${x.category} | ${x.message}`)).toEqual([
      'call.offer-answer | stable -> have-local-offer',
      'call.offer-answer | have-local-offer -> negotiated',
    ]);
  });

  it('holds and resumes with re-offers: sendonly then sendrecv, same session id, version + 1 each (RFC 3264 §8, §8.4)', () => {
    const oa = session();
    oa.createOffer();
    oa.setRemoteAnswer(peerAnswer('sendrecv'));
    const hold = oa.createOffer({ hold: true });
    expect(audioDirection(hold)).toBe('sendonly');
    expect(hold.origin).toMatchObject({ sessionId: '5150', sessionVersion: 2n });
    const held = oa.setRemoteAnswer(peerAnswer('recvonly', 2));
    expect(held.ok && held.audio.direction).toEqual({ sending: true, receiving: false });
    expect(oa.isLocalHold).toBe(true);
    expect(oa.isRemoteHold).toBe(false);
    const resume = oa.createOffer({ hold: false });
    expect(audioDirection(resume)).toBe('sendrecv');
    expect(resume.origin).toMatchObject({ sessionId: '5150', sessionVersion: 3n });
    const resumed = oa.setRemoteAnswer(peerAnswer('sendrecv', 3));
    expect(resumed.ok && resumed.audio.direction).toEqual({ sending: true, receiving: true });
    // The written re-offer carries the new o= line.
    expect(writeSdp(resume)).toContain('o=- 5150 3 IN IP4 127.0.0.1\r\n');
  });

  it('keeps the o= version of an unchanged re-offer (session refresh)', () => {
    const oa = session();
    oa.createOffer();
    oa.setRemoteAnswer(peerAnswer('sendrecv'));
    const refresh = oa.createOffer();
    expect(refresh.origin.sessionVersion).toBe(1n);
    expect(writeSdp(refresh)).toBe(writeSdp(oa.localDescription!));
  });

  it('keeps SRTP keys across hold and resume re-offers', () => {
    const oa = session({ srtp: 'optional' });
    const first = oa.createOffer();
    oa.setRemoteAnswer(peerAnswer('sendrecv'));
    const hold = oa.createOffer({ hold: true });
    expect(hold.media[0]!.crypto).toEqual(first.media[0]!.crypto);
  });

  it('rolls back a re-offer refused with 488 to the agreed descriptions and hold state', () => {
    const oa = session();
    oa.createOffer();
    oa.setRemoteAnswer(peerAnswer('sendrecv'));
    const agreed = oa.negotiated;
    oa.createOffer({ hold: true });
    oa.rollback();
    expect(oa.state).toBe('negotiated');
    expect(oa.isLocalHold).toBe(false);
    expect(oa.negotiated).toBe(agreed);
    expect(oa.localDescription!.origin.sessionVersion).toBe(1n);
    // The refused version 2 was seen by the peer; the next changed offer goes past it.
    expect(oa.createOffer({ hold: true }).origin.sessionVersion).toBe(3n);
  });

  it('rolls back the initial offer to stable', () => {
    const oa = session();
    oa.createOffer();
    oa.rollback();
    expect(oa.state).toBe('stable');
    expect(oa.localDescription).toBeNull();
  });

  it('refuses an answer that breaks RFC 3264 and returns to the last agreed state', () => {
    const oa = session();
    oa.createOffer();
    const bad = parseSdp('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n');
    const r = oa.setRemoteAnswer(bad);
    expect(r).toMatchObject({ ok: false, reason: 'answer-invalid' });
    expect(oa.state).toBe('stable');
    expect(oa.negotiated).toBeNull();
  });

  it('answers a remote offer: stable → have-remote-offer → negotiated', () => {
    const oa = session();
    expect(oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'))).toEqual({ ok: true });
    expect(oa.state).toBe('have-remote-offer');
    expect(oa.hasRemoteOffer()).toBe(true);
    expect(oa.hasOutstandingOffer()).toBe(true);
    const { answer, audio } = oa.createAnswer();
    expect(oa.state).toBe('negotiated');
    expect(answer.origin).toMatchObject({ sessionId: '5150', sessionVersion: 1n });
    expect(audio.remote).toEqual({ address: '192.0.2.30', port: 17060 });
    expect(oa.remoteDescription).toEqual(fixture('asterisk-pjsip-offer.sdp'));
  });

  it("sees Asterisk's hold re-INVITE as remote hold, answers recvonly with version + 1, and an unchanged refresh keeps it", () => {
    const oa = session();
    oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'));
    oa.createAnswer();
    oa.setRemoteOffer(fixture('asterisk-pjsip-hold.sdp'));
    const { answer, audio } = oa.createAnswer();
    expect(audioDirection(answer)).toBe('recvonly');
    expect(answer.origin.sessionVersion).toBe(2n);
    expect(audio.direction).toEqual({ sending: false, receiving: true });
    expect(oa.isRemoteHold).toBe(true);
    oa.setRemoteOffer(fixture('asterisk-pjsip-hold.sdp'));
    expect(oa.createAnswer().answer.origin.sessionVersion).toBe(2n);
  });

  it('holds with inactive while the peer holds us (RFC 6337 §5.3), and answers its resume with sendonly while we hold', () => {
    const oa = session();
    oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'));
    oa.createAnswer();
    oa.setRemoteOffer(fixture('asterisk-pjsip-hold.sdp'));
    oa.createAnswer();
    const hold = oa.createOffer({ hold: true });
    expect(audioDirection(hold)).toBe('inactive');
    oa.setRemoteAnswer({ ...peerAnswer('inactive') });
    expect(oa.isRemoteHold).toBe(true);
    // The peer resumes with sendrecv while we still hold: we answer sendonly.
    oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'));
    const { answer } = oa.createAnswer();
    expect(audioDirection(answer)).toBe('sendonly');
    expect(oa.isRemoteHold).toBe(false);
  });

  it('leaves the state alone when it refuses a remote offer (the caller answers 488)', () => {
    const oa = session({ srtp: 'mandatory' });
    const r = oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'));
    expect(r).toMatchObject({ ok: false, status: 488, reason: 'srtp-required' });
    expect(oa.state).toBe('stable');
    const sdes = oa.setRemoteOffer(fixture('asterisk-pjsip-sdes-offer.sdp'));
    expect(sdes).toEqual({ ok: true });
    const { audio } = oa.createAnswer();
    expect(audio.srtp?.remoteKey).toBe('cbAQEof1o2wDs+rNPoPoct5TdZ2mj9ueRo0jYxtn');
    // A refused re-offer keeps what was agreed.
    expect(oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp')).ok).toBe(false);
    expect(oa.state).toBe('negotiated');
    expect(oa.negotiated).toBe(audio);
  });

  it('rolls back a remote offer we decide not to answer', () => {
    const oa = session();
    oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'));
    oa.createAnswer();
    oa.setRemoteOffer(fixture('asterisk-pjsip-hold.sdp'));
    oa.rollback();
    expect(oa.state).toBe('negotiated');
    expect(oa.isRemoteHold).toBe(false);
  });

  it('offers in the 200 of an INVITE without SDP and takes the answer from the ACK', () => {
    const oa = session();
    const offer = oa.createOffer();
    expect(offer.media[0]!.formats).toEqual(['0', '8', '9', '96', '97', '98']);
    expect(oa.setRemoteAnswer(fixture('freeswitch-answer.sdp')).ok).toBe(true);
    expect(oa.negotiated?.send.name).toBe('opus');
  });

  it('answers the same way after new capabilities (new port) with a new version', () => {
    const oa = session();
    oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'));
    oa.createAnswer();
    oa.setCapabilities(caps({ port: 41000 }));
    const offer = oa.createOffer();
    expect(offer.media[0]!.port).toBe(41000);
    expect(offer.origin.sessionVersion).toBe(2n);
  });

  describe('glare and misuse (RFC 3264 §4, RFC 3261 §14.1)', () => {
    it('reports an outstanding offer so a crossing re-INVITE can get 491, and refuses a second offer', () => {
      const oa = session();
      oa.createOffer();
      expect(oa.hasOutstandingOffer()).toBe(true);
      expect(() => oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'))).toThrow(InvalidStateError);
      expect(() => oa.createOffer()).toThrow(InvalidStateError);
    });

    it('refuses calls out of order with InvalidStateError', () => {
      const oa = session();
      expect(() => oa.setRemoteAnswer(fixture('asterisk-pjsip-answer.sdp'))).toThrow(/setRemoteAnswer\(\) is not allowed in state stable/);
      expect(() => oa.createAnswer()).toThrow(InvalidStateError);
      expect(() => oa.rollback()).toThrow(InvalidStateError);
      oa.setRemoteOffer(fixture('asterisk-pjsip-offer.sdp'));
      expect(() => oa.createOffer()).toThrow(InvalidStateError);
      expect(() => oa.setRemoteAnswer(fixture('asterisk-pjsip-answer.sdp'))).toThrow(InvalidStateError);
    });
  });

  it('picks a random numeric session id by default', () => {
    const a = new OfferAnswerSession({ capabilities: caps() }).createOffer();
    const b = new OfferAnswerSession({ capabilities: caps() }).createOffer();
    expect(a.origin.sessionId).toMatch(/^\d+$/);
    expect(a.origin.sessionId).not.toBe(b.origin.sessionId);
  });
});
