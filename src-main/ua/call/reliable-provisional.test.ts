import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { createResponse, parseMessage, type SipRequest, type SipResponse } from '../../sip';
import { ReliableProvisionals, ReliableProvisionalTracker } from './reliable-provisional';

const INVITE = [
  'INVITE sip:bob@127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1',
  'From: <sip:alice@127.0.0.1>;tag=a1',
  'To: <sip:bob@127.0.0.1>',
  'Call-ID: c1',
  'CSeq: 7 INVITE',
  'Contact: <sip:alice@127.0.0.1:5070>',
  'Supported: 100rel',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function invite(): SipRequest {
  return parseMessage(INVITE) as SipRequest;
}

function prack(rack: string): SipRequest {
  return parseMessage(INVITE.replace('INVITE sip', 'PRACK sip').replace('CSeq: 7 INVITE', `CSeq: 8 PRACK\r\nRAck: ${rack}`)) as SipRequest;
}

function uas(clock: FakeClock) {
  const req = invite();
  const sent: { at: number; res: SipResponse }[] = [];
  let timeouts = 0;
  const rel = new ReliableProvisionals(req, { clock, send: (res) => sent.push({ at: clock.now(), res }), onPrackTimeout: () => timeouts++ });
  return { req, rel, sent, timeouts: () => timeouts };
}

describe('reliable provisional responses, UAS side (RFC 3262 §3)', () => {
  it('sends 180 with Require: 100rel and an RSeq below 2**31, retransmitted at 0.5, 1.5, 3.5 s until the PRACK', () => {
    const clock = new FakeClock();
    const { req, rel, sent } = uas(clock);
    rel.send(createResponse(req, 180, undefined, { toTag: 'b1' }));
    const rseq = Number(sent[0]!.res.get('RSeq'));
    expect(sent[0]!.res.get('Require')).toBe('100rel');
    expect(rseq).toBeGreaterThanOrEqual(1);
    expect(rseq).toBeLessThan(2 ** 31);
    clock.advance(4000);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500]);
    expect(rel.acknowledge(prack(`${rseq} 7 INVITE`))).toBe(true);
    clock.advance(60_000);
    expect(sent).toHaveLength(4);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('answers false (481) for a PRACK whose RAck names another RSeq, CSeq or method, and for a second PRACK', () => {
    const clock = new FakeClock();
    const { req, rel, sent } = uas(clock);
    rel.send(createResponse(req, 180, undefined, { toTag: 'b1' }));
    const rseq = Number(sent[0]!.res.get('RSeq'));
    expect(rel.acknowledge(prack(`${rseq + 1} 7 INVITE`))).toBe(false);
    expect(rel.acknowledge(prack(`${rseq} 6 INVITE`))).toBe(false);
    expect(rel.acknowledge(prack(`${rseq} 7 BYE`))).toBe(false);
    expect(rel.acknowledge(prack('garbage'))).toBe(false);
    expect(rel.acknowledge(prack(`${rseq} 7 INVITE`))).toBe(true);
    expect(rel.acknowledge(prack(`${rseq} 7 INVITE`))).toBe(false);
  });

  it('holds a second reliable 1xx until the first is PRACKed, then sends it with RSeq + 1', () => {
    const clock = new FakeClock();
    const { req, rel, sent } = uas(clock);
    rel.send(createResponse(req, 180, undefined, { toTag: 'b1' }));
    rel.send(createResponse(req, 183, undefined, { toTag: 'b1' }));
    expect(sent.map((s) => s.res.status)).toEqual([180]);
    const first = Number(sent[0]!.res.get('RSeq'));
    rel.acknowledge(prack(`${first} 7 INVITE`));
    expect(sent.map((s) => s.res.status)).toEqual([180, 183]);
    expect(Number(sent[1]!.res.get('RSeq'))).toBe(first + 1);
    rel.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives up after 64·T1 without a PRACK (the INVITE is then rejected with a 5xx)', () => {
    const clock = new FakeClock();
    const { req, rel, sent, timeouts } = uas(clock);
    rel.send(createResponse(req, 180, undefined, { toTag: 'b1' }));
    clock.advance(31_999);
    expect(timeouts()).toBe(0);
    clock.advance(1);
    expect(timeouts()).toBe(1);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('lets the 2xx go only after the PRACK of a reliable 1xx that carried SDP', async () => {
    const clock = new FakeClock();
    const { req, rel, sent } = uas(clock);
    rel.send(createResponse(req, 180, undefined, { toTag: 'b1', body: 'v=0\r\n', contentType: 'application/sdp' }));
    let ready: boolean | undefined;
    void rel.readyForTwoXx().then((r) => (ready = r));
    await Promise.resolve();
    expect(ready).toBeUndefined();
    rel.acknowledge(prack(`${sent[0]!.res.get('RSeq')} 7 INVITE`));
    await new Promise((r) => setImmediate(r));
    expect(ready).toBe(true);
  });

  it('does not hold the 2xx for a reliable 1xx without SDP', async () => {
    const clock = new FakeClock();
    const { req, rel } = uas(clock);
    rel.send(createResponse(req, 180, undefined, { toTag: 'b1' }));
    expect(await rel.readyForTwoXx()).toBe(true);
    rel.stop();
  });
});

describe('reliable provisional responses, UAC side (RFC 3262 §4)', () => {
  const reliable = (rseq: number, tag = 'b1', status = 180) => {
    const res = createResponse(invite(), status, undefined, { toTag: tag, headers: [['Require', '100rel'], ['RSeq', String(rseq)]] });
    return res;
  };

  it('PRACKs the first reliable 1xx with RAck "rseq cseq INVITE" and each next one in order', () => {
    const t = new ReliableProvisionalTracker();
    expect(t.classify(reliable(41))).toEqual({ kind: 'prack', rack: '41 7 INVITE' });
    expect(t.classify(reliable(42, 'b1', 183))).toEqual({ kind: 'prack', rack: '42 7 INVITE' });
  });

  it('drops a retransmission (same RSeq) and an out-of-order RSeq without PRACK', () => {
    const t = new ReliableProvisionalTracker();
    t.classify(reliable(41));
    expect(t.classify(reliable(41))).toEqual({ kind: 'drop', why: 'retransmission' });
    expect(t.classify(reliable(43))).toEqual({ kind: 'drop', why: 'out-of-order' });
    expect(t.classify(reliable(42))).toEqual({ kind: 'prack', rack: '42 7 INVITE' });
  });

  it('keeps one sequence per early dialog (forks have their own RSeq spaces)', () => {
    const t = new ReliableProvisionalTracker();
    expect(t.classify(reliable(41, 'b1')).kind).toBe('prack');
    expect(t.classify(reliable(9, 'b2')).kind).toBe('prack');
    expect(t.classify(reliable(10, 'b2')).kind).toBe('prack');
  });

  it('treats a 1xx without Require: 100rel or without RSeq as unreliable', () => {
    const t = new ReliableProvisionalTracker();
    expect(t.classify(createResponse(invite(), 180, undefined, { toTag: 'b1', headers: [['RSeq', '5']] })).kind).toBe('unreliable');
    expect(t.classify(createResponse(invite(), 180, undefined, { toTag: 'b1', headers: [['Require', '100rel']] })).kind).toBe('unreliable');
  });
});
