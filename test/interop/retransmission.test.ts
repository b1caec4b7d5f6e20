/**
 * UDP retransmissions seen by a real peer (RFC 3261 §17.1.1.2, §17.1.2.2): SIPp stays silent
 * and its message trace shows when Parley's requests arrived — REGISTER from the CLI (Timer E)
 * and INVITE from a SIP stack (Timer A) at ≈0, 0.5, 1.5 and 3.5 s — and that the 486 that
 * finally came was ACKed by the INVITE client transaction (§17.1.1.3).
 */
import { afterEach, expect, it } from 'vitest';
import { newCallId, newTag } from '../../src-main/base/random-ids';
import { METHODS, createRequest, parseNameAddr, type SipResponse } from '../../src-main/sip';
import { SipStack } from '../../src-main/ua/sip-stack';
import { pollUntil } from './support/managed-process';
import { startCli, type CliProcess } from './support/parley-cli';
import { interopDescribe } from './support/peers';
import { parseSippTrace, startSipp, type SippRun, type SippTraceEntry } from './support/sipp';

const d = interopDescribe(['sipp']);

/** Timer A / Timer E before T2 caps it: T1 = 500 ms, doubling. */
const EXPECTED_MS = [0, 500, 1500, 3500];
const TOLERANCE_MS = 150;

/** Arrival times of a request method in a SIPp trace, relative to the first one. */
function arrivals(trace: readonly SippTraceEntry[], method: string): number[] {
  const received = trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith(`${method} `));
  // Copies of the first request only (a later REGISTER, e.g. the unregistration, has a new CSeq).
  const cseq = /^CSeq:\s*(\d+)/im.exec(received[0]?.text ?? '')?.[1];
  const times = received.filter((e) => /^CSeq:\s*(\d+)/im.exec(e.text)?.[1] === cseq).map((e) => e.timeMs);
  return times.map((t) => t - times[0]!);
}

function expectSchedule(offsets: readonly number[]): void {
  expect(offsets, `arrivals ${offsets.join(', ')} ms`).toHaveLength(EXPECTED_MS.length);
  offsets.forEach((t, i) => expect(Math.abs(t - EXPECTED_MS[i]!), `arrival ${i} at ${t} ms, expected ${EXPECTED_MS[i]} ms`).toBeLessThanOrEqual(TOLERANCE_MS));
}

d('UDP retransmissions against SIPp', () => {
  let sipp: SippRun | undefined;
  let cli: CliProcess | undefined;
  let stack: SipStack | undefined;
  afterEach(async () => {
    cli?.kill('SIGKILL');
    await stack?.dispose();
    await sipp?.dispose();
    cli = undefined;
    stack = undefined;
    sipp = undefined;
  });

  it('the CLI retransmits an unanswered REGISTER at 0, 0.5, 1.5 and 3.5 s (Timer E) and registers on the late 200', async () => {
    sipp = await startSipp({ scenario: 'uas-delay-answer', args: ['-d', '4000'], timeoutMs: 15_000 });
    cli = startCli(['register', '--duration', '0', '--account', `sip:alice@127.0.0.1:${sipp.port}`, '--listen', '127.0.0.1:0'], { timeoutMs: 20_000 });
    const result = await sipp.result;
    expect(result.exitCode, result.errors || result.output).toBe(0);
    await pollUntil('the CLI to say it registered', 5_000, () => (/registered sip:alice@127\.0\.0\.1/.test(cli!.stdout()) ? true : undefined), 50);
    const trace = parseSippTrace(result.messages);
    expectSchedule(arrivals(trace, METHODS.REGISTER));
    // Every copy is the same transaction: one branch.
    const branches = new Set(trace.filter((e) => e.direction === 'received' && /CSeq:\s*1 REGISTER/i.test(e.text)).map((e) => /branch=([^;\s]+)/.exec(e.text)?.[1]));
    expect(branches.size).toBe(1);
    expect(trace.filter((e) => e.direction === 'sent').map((e) => e.firstLine)).toEqual(['SIP/2.0 200 OK']);
  }, 20_000);

  it('a SIP stack retransmits an unanswered INVITE at 0, 0.5, 1.5 and 3.5 s (Timer A) and ACKs the 486 that ends it', async () => {
    sipp = await startSipp({ scenario: 'uas-invite-silent-then-486', timeoutMs: 15_000 });
    stack = await SipStack.open({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'] });
    const target = `sip:service@127.0.0.1:${sipp.port}`;
    const invite = createRequest({
      method: METHODS.INVITE,
      uri: target,
      from: parseNameAddr(`<sip:alice@127.0.0.1>;tag=${newTag()}`),
      to: parseNameAddr(`<${target}>`),
      callId: newCallId(),
      cseq: 1,
      contact: stack.contactFor('alice', 'udp'),
      body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n',
      contentType: 'application/sdp',
    });
    const responses: SipResponse[] = [];
    stack.transactions.sendRequest(invite, { protocol: 'udp', host: '127.0.0.1', port: sipp.port }, { receiveResponse: (res) => responses.push(res) });
    const result = await sipp.result;
    expect(result.exitCode, result.errors || result.output).toBe(0);
    expect(responses.map((r) => r.status)).toEqual([486]);
    const trace = parseSippTrace(result.messages);
    expectSchedule(arrivals(trace, METHODS.INVITE));
    // §17.1.1.3: the ACK for a non-2xx has the INVITE's branch and CSeq number.
    const ack = trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('ACK '));
    expect(ack?.firstLine).toBe(`ACK ${target} SIP/2.0`);
    expect(ack?.text).toMatch(/CSeq:\s*1 ACK/);
    expect(/branch=([^;\s]+)/.exec(ack!.text)?.[1]).toBe(invite.via.branch);
    const sent486 = trace.find((e) => e.direction === 'sent' && e.firstLine.startsWith('SIP/2.0 486'))!;
    expect(ack!.timeMs - sent486.timeMs).toBeLessThan(200);
  }, 20_000);
});
