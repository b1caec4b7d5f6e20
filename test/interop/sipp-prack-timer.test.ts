/**
 * Reliable provisional responses (RFC 3262) and session timers (RFC 4028) against SIPp: a
 * UserAgent on 127.0.0.1 over UDP calls SIPp UAS scenarios or is called by a SIPp UAC, and each
 * case checks SIPp's exit code and message trace (the scenarios check RAck / RSeq themselves)
 * and Parley's CallView states and end.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { UserAgent, type UserAgentOptions } from '../../src-main/ua/user-agent';
import { pollUntil } from './support/managed-process';
import { interopDescribe } from './support/peers';
import type { SippOptions, SippRun, SippTraceEntry } from './support/sipp';
import { expectSippPassed, firstCopies, header, kindOf, received, sent, startSippWithMedia } from './support/sipp-trace';
import { trackCalls } from '../support/call-tracker';

const d = interopDescribe(['sipp']);

const track = trackCalls;

const until = <T>(what: string, check: () => T | undefined, timeoutMs = 8000): Promise<T> => pollUntil(what, timeoutMs, check, 10);

d('100rel and session timers with SIPp', () => {
  let ua: UserAgent | undefined;
  let runs: SippRun[] = [];

  async function parley(o: Partial<UserAgentOptions> = {}): Promise<UserAgent> {
    ua = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'], callPreferences: { srtp: 'off', codecs: ['PCMU'] }, ...o });
    return ua;
  }
  beforeEach(() => {
    ua = undefined;
  });
  afterEach(async () => {
    await ua?.shutdown(500);
    await Promise.all(runs.map((r) => r.dispose()));
    runs = [];
  });

  const sipp = (scenario: string, opts: Omit<SippOptions, 'scenario'> = {}): Promise<SippRun> => startSippWithMedia(runs, scenario, opts, 20_000);
  const uri = (run: SippRun): string => `sip:service@127.0.0.1:${run.port}`;

  it('PRACKs a reliable 180 once (not its retransmission) with RAck "1 1 INVITE", and the 200 without SDP keeps the 180\'s answer', async () => {
    const ua = await parley();
    const run = await sipp('uas-100rel-ringing');
    const t = track(ua);
    const call = ua.dial(uri(run));
    await until('the call to be established', () => (t.last(call.id)?.state === 'established' ? true : undefined));
    expect(t.states(call.id)).toEqual(['calling', 'ringing', 'established']);
    expect(t.last(call.id)).toMatchObject({ codec: 'PCMU/8000' });
    await ua.calls.hangup(call.id);
    expect((await until('the call to end', () => t.ended[0])).end).toMatchObject({ cause: 'completed', by: 'local' });

    const trace = expectSippPassed(await run.result);
    const inbound = firstCopies(received(trace));
    expect(inbound.map(kindOf)).toEqual(['INVITE', 'PRACK', 'ACK', 'BYE']);
    const [invite, prack, ack, bye] = inbound as [SippTraceEntry, SippTraceEntry, SippTraceEntry, SippTraceEntry];
    expect(header(invite, 'Supported')).toMatch(/\b100rel\b/);
    expect(header(prack, 'RAck')).toBe('1 1 INVITE');
    expect(header(prack, 'CSeq')).toBe('2 PRACK');
    // The PRACK goes to the 180's Contact inside the early dialog (To tag of the 180).
    expect(prack.firstLine).toBe(`PRACK sip:service@127.0.0.1:${run.port} SIP/2.0`);
    expect(header(prack, 'To')).toMatch(/;tag=\S+SIPpTag01/);
    expect(header(ack, 'CSeq')).toBe('1 ACK');
    expect(header(bye, 'CSeq')).toBe('3 BYE');
    expect(sent(trace).map(kindOf)).toEqual(['100', '180', '180', '200', '200', '200']);
  });

  it('answers an INVITE that requires 100rel with a reliable 180 carrying the answer, and sends the 200 after the PRACK', async () => {
    const ua = await parley({ autoAnswer: true });
    const t = track(ua);
    const run = await sipp('uac-100rel-call', { remote: `127.0.0.1:${ua.stack.localAddress('udp').port}`, args: ['-s', 'parley', '-d', '500'] });
    const trace = expectSippPassed(await run.result);
    const incoming = await until('the incoming call', () => t.incoming[0]);
    expect((await until('the call to end', () => t.ended[0])).end).toMatchObject({ cause: 'completed', by: 'remote' });
    expect(t.states(incoming.id)).toEqual(['incoming', 'answering', 'established', 'terminated']);

    const outbound = firstCopies(sent(trace));
    expect(outbound.map(kindOf)).toEqual(['INVITE', 'PRACK', 'ACK', 'BYE']);
    const answers = firstCopies(received(trace));
    expect(answers.map(kindOf)).toEqual(['180', '200', '200', '200']);
    const [ringing, prackOk, inviteOk] = answers as [SippTraceEntry, SippTraceEntry, SippTraceEntry];
    expect(header(ringing, 'Require')).toBe('100rel');
    expect(Number(header(ringing, 'RSeq'))).toBeGreaterThanOrEqual(1);
    expect(header(ringing, 'Content-Type')).toBe('application/sdp');
    expect(header(prackOk, 'CSeq')).toBe('2 PRACK');
    expect(header(inviteOk, 'CSeq')).toBe('1 INVITE');
    expect(header(inviteOk, 'Content-Length')).toBe('0');
    expect(header(inviteOk, 'Supported')).toMatch(/\b100rel\b.*\btimer\b/);
  });

  /** Parley accepting a 6 s session interval (RFC 4028's floor is 90 s; this is a test setting). */
  const shortTimers = { callPreferences: { srtp: 'off', codecs: ['PCMU'], sessionTimer: { sessionExpires: 6, minSE: 6 } } } as const;

  it('sends BYE with cause "session-expired" 4 s after the 200 when the refresher (SIPp, refresher=uas) never refreshes', async () => {
    const ua = await parley(shortTimers);
    const run = await sipp('uas-session-timer-silent');
    const t = track(ua);
    const call = ua.dial(uri(run));
    await until('the call to be established', () => (t.last(call.id)?.state === 'established' ? true : undefined));
    const end = await until('the session to expire', () => t.ended[0], 10_000);
    expect(end.end).toMatchObject({ cause: 'session-expired', by: 'network' });
    expect(t.states(call.id)).toEqual(['calling', 'established', 'terminating', 'terminated']);

    const trace = expectSippPassed(await run.result);
    const invite = firstCopies(received(trace)).find((e) => kindOf(e) === 'INVITE')!;
    expect(header(invite, 'Session-Expires')).toBe('6');
    expect(header(invite, 'Min-SE')).toBe('6');
    const ok = sent(trace).find((e) => kindOf(e) === '200')!;
    const bye = received(trace).find((e) => kindOf(e) === 'BYE')!;
    // §10: the BYE goes min(32, 6/3) = 2 s before the 6 s interval ends.
    expect(bye.timeMs - ok.timeMs).toBeGreaterThan(3_700);
    expect(bye.timeMs - ok.timeMs).toBeLessThan(5_000);
  });

  it('refreshes with a re-INVITE carrying the unchanged SDP 3 s after the 200 when it is the refresher and the peer has no UPDATE', async () => {
    const ua = await parley(shortTimers);
    const run = await sipp('uas-session-timer-refreshed');
    const t = track(ua);
    const call = ua.dial(uri(run));
    await until('the call to be established', () => (t.last(call.id)?.state === 'established' ? true : undefined));
    await new Promise((r) => setTimeout(r, 4_000));
    expect(t.last(call.id)?.state).toBe('established');
    await ua.calls.hangup(call.id);
    expect((await until('the call to end', () => t.ended[0])).end).toMatchObject({ cause: 'completed', by: 'local' });

    const trace = expectSippPassed(await run.result);
    const inbound = firstCopies(received(trace));
    expect(inbound.map(kindOf)).toEqual(['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
    const [invite, , refresh] = inbound as [SippTraceEntry, SippTraceEntry, SippTraceEntry];
    expect(header(refresh, 'CSeq')).toBe('2 INVITE');
    expect(header(refresh, 'Session-Expires')).toBe('6;refresher=uac');
    // RFC 3264 §8: an unchanged description keeps its o= version.
    expect(/^o=.*$/m.exec(refresh.text)?.[0]).toBe(/^o=.*$/m.exec(invite.text)?.[0]);
    const ok = sent(trace).find((e) => kindOf(e) === '200')!;
    expect(refresh.timeMs - ok.timeMs).toBeGreaterThan(2_700);
    expect(refresh.timeMs - ok.timeMs).toBeLessThan(3_600);
  });
});
