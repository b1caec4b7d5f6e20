/**
 * Calls against SIPp (issue 5 item 7): a UserAgent on 127.0.0.1 over UDP calls SIPp UAS
 * scenarios, or is called by SIPp UAC scenarios, and each case checks both sides — SIPp's exit
 * code and message trace, and Parley's CallView states and end. CANCEL both ways (RFC 3261 §9),
 * failure responses and their ACK (§17.1.1.3), 3xx redirection and a redirect loop (§8.1.3.4),
 * 183 early media (RFC 3960), and re-INVITE glare with its 491 retry delay (§14.1).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CallState } from '../../src-main/shared/model/call';
import { UserAgent } from '../../src-main/ua/user-agent';
import { pollUntil, sleep } from './support/managed-process';
import { interopDescribe } from './support/peers';
import { startCli } from './support/parley-cli';
import { freePort } from './support/ports';
import { parseSippTrace, SCENARIO_DIR, type SippOptions, type SippRun, type SippTraceEntry } from './support/sipp';
import { branchOf, cseqOf, expectSippPassed, firstCopies, fromTagOf, header, kindOf, received, sent, startSippWithMedia, toTagOf } from './support/sipp-trace';
import { trackCalls, type TrackedCalls } from '../support/call-tracker';

const d = interopDescribe(['sipp']);

// --- reading SIPp's trace: support/sipp-trace.ts ----------------------------------------

function only(entries: readonly SippTraceEntry[], kind: string): SippTraceEntry {
  const found = entries.filter((e) => kindOf(e) === kind);
  expect(found.map((e) => e.firstLine), `exactly one ${kind}`).toHaveLength(1);
  return found[0]!;
}

// --- Parley's side --------------------------------------------------------------------------

const track = trackCalls;
type Tracked = TrackedCalls;

const until = <T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> => pollUntil(what, timeoutMs, check, 10);
const inState = (t: Tracked, id: string, state: CallState) => () => (t.last(id)?.state === state ? true : undefined);
const endOf = (t: Tracked, id: string) => () => t.ended.find((v) => v.id === id);

d('calls with SIPp', () => {
  let ua: UserAgent;
  let runs: SippRun[] = [];

  beforeEach(async () => {
    ua = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'], callPreferences: { srtp: 'off', codecs: ['PCMU'] } });
  });
  afterEach(async () => {
    await ua.shutdown(500);
    await Promise.all(runs.map((r) => r.dispose()));
    runs = [];
  });

  const sipp = (scenario: string, opts: Omit<SippOptions, 'scenario'> = {}): Promise<SippRun> => startSippWithMedia(runs, scenario, opts, 15_000);
  const uri = (run: SippRun): string => `sip:service@127.0.0.1:${run.port}`;
  const parleyAddress = (): string => `127.0.0.1:${ua.stack.localAddress('udp').port}`;

  // 1 ------------------------------------------------------------------------------------------
  it('hanging up while SIPp rings sends CANCEL after the 180, ACKs the 487 and ends "cancelled" by local', async () => {
    const run = await sipp('uas-ring-until-cancel');
    const t = track(ua);
    const call = ua.dial(uri(run));
    await until('Parley to hear ringing', inState(t, call.id, 'ringing'));
    await ua.calls.hangup(call.id);
    const end = await until('the call to end', endOf(t, call.id));
    expect(end.end).toMatchObject({ cause: 'cancelled', by: 'local', status: 487 });
    expect(t.states(call.id)).toEqual(['calling', 'ringing', 'terminating', 'terminated']);

    const trace = expectSippPassed(await run.result);
    expect(received(trace).map(kindOf)).toEqual(['INVITE', 'CANCEL', 'ACK']);
    expect(sent(trace).map(kindOf)).toEqual(['100', '180', '200', '487']);
    const invite = only(received(trace), 'INVITE');
    const cancel = only(received(trace), 'CANCEL');
    const ack = only(received(trace), 'ACK');
    // §9.1: CANCEL only after a provisional response, with the INVITE's Request-URI, branch, CSeq number.
    expect(trace.indexOf(cancel)).toBeGreaterThan(trace.indexOf(only(sent(trace), '180')));
    expect(cancel.firstLine).toBe(invite.firstLine.replace(/^INVITE/, 'CANCEL'));
    expect(branchOf(cancel)).toBe(branchOf(invite));
    expect(cseqOf(cancel)).toBe('1 CANCEL');
    expect(toTagOf(cancel)).toBeUndefined();
    // §17.1.1.3: the ACK of the 487 has the INVITE's branch and the 487's To tag.
    expect(branchOf(ack)).toBe(branchOf(invite));
    expect(cseqOf(ack)).toBe('1 ACK');
    expect(toTagOf(ack)).toBe(toTagOf(only(sent(trace), '487')));
  });

  it('hanging up before any provisional response holds the CANCEL until SIPp\'s first provisional (§9.1)', async () => {
    const run = await sipp('uas-ring-until-cancel', { args: ['-d', '1000'] });
    const t = track(ua);
    const call = ua.dial(uri(run));
    await until('SIPp to receive the INVITE', () => (readFileSync(join(run.dir, 'messages.log'), { encoding: 'utf8', flag: 'a+' }).includes('INVITE sip:') ? true : undefined));
    await ua.calls.hangup(call.id);
    expect(t.last(call.id)?.state).toBe('terminating');
    const end = await until('the call to end', endOf(t, call.id));
    expect(end.end).toMatchObject({ cause: 'cancelled', by: 'local', status: 487 });

    // SIPp's pause is longer than T1: the INVITE was retransmitted (Timer A) until the 100 came.
    const trace = firstCopies(expectSippPassed(await run.result));
    expect(received(trace).map(kindOf)).toEqual(['INVITE', 'CANCEL', 'ACK']);
    const invite = only(received(trace), 'INVITE');
    const cancel = only(received(trace), 'CANCEL');
    expect(cancel.timeMs).toBeGreaterThanOrEqual(only(sent(trace), '100').timeMs);
    expect(cancel.timeMs - invite.timeMs).toBeGreaterThanOrEqual(1000 - 20);
    expect(branchOf(cancel)).toBe(branchOf(invite));
  });

  it('hanging up in the same tick as dial leaves nothing ringing: no INVITE, or one that is CANCELled', async () => {
    const run = await sipp('uas-ring-until-cancel', { timeoutMs: 4000 });
    const t = track(ua);
    const call = ua.dial(uri(run));
    await ua.calls.hangup(call.id);
    const end = await until('the call to end', endOf(t, call.id));
    expect(end.end).toMatchObject({ cause: 'cancelled', by: 'local' });

    const result = await run.result;
    const trace = parseSippTrace(result.messages);
    const seen = received(trace).map(kindOf);
    // Nothing reached SIPp (it then times out waiting), or the INVITE was cancelled properly.
    if (seen.length > 0) {
      expect(seen, 'an INVITE sent after the hangup must be CANCELled (RFC 3261 §9.1)').toEqual(['INVITE', 'CANCEL', 'ACK']);
      expectSippPassed(result);
    }
    expect(t.ended.filter((v) => v.id === call.id)).toHaveLength(1);
  });

  it('hanging up in the same tick as dial to a far end that answers at once: the call ends once and never comes back from "terminated"', async () => {
    const run = await sipp('uas-answer-call', { timeoutMs: 4000 });
    const t = track(ua);
    const call = ua.dial(uri(run));
    await ua.calls.hangup(call.id);
    await until('the call to end', endOf(t, call.id));
    const result = await run.result;
    const seen = received(parseSippTrace(result.messages)).map(kindOf);
    // Whatever reached SIPp did not leave a call up there.
    if (seen.includes('INVITE')) expect(seen.includes('BYE') || seen.includes('CANCEL'), `SIPp saw ${seen.join(', ')}`).toBe(true);
    expect(t.ended.filter((v) => v.id === call.id).map((v) => v.end)).toEqual([{ cause: 'cancelled', by: 'local' }]);
    const states = t.views.filter((v) => v.id === call.id).map((v) => v.state);
    expect(states.slice(states.indexOf('terminated')).every((s) => s === 'terminated'), `states ${states.join(' → ')}`).toBe(true);
  });

  it('a 200 OK that crosses the CANCEL is ACKed and the call ended with BYE, "cancelled" by local', async () => {
    const run = await sipp('uas-answer-crosses-cancel');
    const t = track(ua);
    const call = ua.dial(uri(run));
    await until('Parley to hear ringing', inState(t, call.id, 'ringing'));
    await ua.calls.hangup(call.id);
    const end = await until('the call to end', endOf(t, call.id));
    expect(end.end).toMatchObject({ cause: 'cancelled', by: 'local' });
    expect(t.ended.filter((v) => v.id === call.id)).toHaveLength(1);

    const trace = firstCopies(expectSippPassed(await run.result));
    expect(received(trace).map(kindOf)).toEqual(['INVITE', 'CANCEL', 'ACK', 'BYE']);
    const ack = only(received(trace), 'ACK');
    // §13.2.2.4: the ACK of a 2xx is a new transaction to the remote target.
    expect(ack.firstLine).toBe(`ACK ${uri(run)} SIP/2.0`);
    expect(cseqOf(ack)).toBe('1 ACK');
    expect(branchOf(ack)).not.toBe(branchOf(only(received(trace), 'INVITE')));
    expect(cseqOf(only(received(trace), 'BYE'))).toBe('2 BYE');
  });

  // 2 ------------------------------------------------------------------------------------------
  it('SIPp calls, Parley rings and rejects with 486; SIPp sees 180 then 486 and its ACK ends it', async () => {
    const t = track(ua);
    const run = await sipp('uac-invite-rejected', { remote: parleyAddress(), args: ['-s', 'parley'] });
    const ringing = await until('Parley to ring', () => t.incoming[0]);
    expect(ringing).toMatchObject({ direction: 'incoming', state: 'incoming' });
    expect(ringing.remote).toMatch(/^sip:sipp@127\.0\.0\.1:\d+$/);
    await ua.calls.reject(ringing.id, 486);
    const end = await until('the call to end', endOf(t, ringing.id));
    expect(end.end).toMatchObject({ cause: 'busy', by: 'local', status: 486 });

    const trace = expectSippPassed(await run.result);
    expect(received(trace).map(kindOf).filter((k) => k !== '100')).toEqual(['180', '486']);
    expect(sent(trace).map(kindOf)).toEqual(['INVITE', 'ACK']);
    // The 180 and the 486 carry the same To tag (one early dialog, §12.1.1).
    expect(toTagOf(only(received(trace), '486'))).toBe(toTagOf(only(received(trace), '180')));
  });

  it('SIPp calls and CANCELs while Parley rings: 200 to the CANCEL, 487 to the INVITE, the call ends "cancelled" by remote', async () => {
    const t = track(ua);
    const run = await sipp('uac-invite-cancel', { remote: parleyAddress(), args: ['-s', 'parley', '-d', '300'] });
    const ringing = await until('Parley to ring', () => t.incoming[0]);
    const end = await until('the call to end', endOf(t, ringing.id));
    expect(end.end).toMatchObject({ cause: 'cancelled', by: 'remote' });
    expect(t.states(ringing.id)).toEqual(['incoming', 'terminated']);

    const trace = expectSippPassed(await run.result);
    expect(received(trace).map(kindOf).filter((k) => k !== '100')).toEqual(['180', '200', '487']);
    expect(sent(trace).map(kindOf)).toEqual(['INVITE', 'CANCEL', 'ACK']);
    expect(cseqOf(only(received(trace), '200'))).toBe('1 CANCEL');
    const r487 = only(received(trace), '487');
    expect(cseqOf(r487)).toBe('1 INVITE');
    expect(toTagOf(r487)).toBe(toTagOf(only(received(trace), '180')));
  });

  // 3 ------------------------------------------------------------------------------------------
  /** uas-reject.xml with another final response in place of its 486 (SIPp refuses a keyword there). */
  const rejectScenario = (status: number, reason: string): string =>
    readFileSync(join(SCENARIO_DIR, 'uas-reject.xml'), 'utf8').replace(/^(\s*)SIP\/2\.0 486 Busy Here$/m, `$1SIP/2.0 ${status} ${reason}`);
  const refusals = [
    { status: 486, reason: 'Busy Here', cause: 'busy' },
    { status: 603, reason: 'Decline', cause: 'declined' },
    { status: 404, reason: 'Not Found', cause: 'not-found' },
    { status: 488, reason: 'Not Acceptable Here', cause: 'no-common-codec' },
  ] as const;
  for (const r of refusals) {
    it(`SIPp answers ${r.status} ${r.reason}: Parley ACKs it and the call ends "${r.cause}"`, async () => {
      const run = await sipp(rejectScenario(r.status, r.reason));
      const t = track(ua);
      const call = ua.dial(uri(run));
      const end = await until('the call to end', endOf(t, call.id));
      expect(end.end).toEqual({ cause: r.cause, by: 'remote', status: r.status, reason: r.reason });
      expect(t.states(call.id)).toEqual(['calling', 'terminated']);

      const trace = expectSippPassed(await run.result);
      expect(received(trace).map(kindOf)).toEqual(['INVITE', 'ACK']);
      const invite = only(received(trace), 'INVITE');
      const ack = only(received(trace), 'ACK');
      expect(ack.firstLine).toBe(invite.firstLine.replace(/^INVITE/, 'ACK'));
      expect(branchOf(ack)).toBe(branchOf(invite));
      expect(cseqOf(ack)).toBe('1 ACK');
      expect(toTagOf(ack)).toBe(toTagOf(only(sent(trace), String(r.status))));
    });
  }

  // 4 ------------------------------------------------------------------------------------------
  it('follows a 302 to a second SIPp (same Call-ID and From tag, next CSeq), is answered there and hangs up with BYE', async () => {
    const answerer = await sipp('uas-answer-call');
    const redirector = await sipp('uas-redirect', { args: ['-key', 'target', uri(answerer)] });
    const t = track(ua);
    const call = ua.dial(uri(redirector));
    await until('the call to be established', inState(t, call.id, 'established'));
    await sleep(300);
    await ua.calls.hangup(call.id);
    const end = await until('the call to end', endOf(t, call.id));
    expect(end.end).toMatchObject({ cause: 'completed', by: 'local' });

    const first = expectSippPassed(await redirector.result);
    expect(received(first).map(kindOf)).toEqual(['INVITE', 'ACK']);
    const second = expectSippPassed(await answerer.result);
    expect(received(second).map(kindOf)).toEqual(['INVITE', 'ACK', 'BYE']);
    const invite1 = only(received(first), 'INVITE');
    const invite2 = only(received(second), 'INVITE');
    // §8.1.3.4: a new request to the Contact of the 3xx, same Call-ID, From and To, new CSeq.
    expect(invite2.firstLine).toBe(`INVITE ${uri(answerer)} SIP/2.0`);
    expect(header(invite2, 'Call-ID')).toBe(header(invite1, 'Call-ID'));
    expect(fromTagOf(invite2)).toBe(fromTagOf(invite1));
    expect(cseqOf(invite1)).toBe('1 INVITE');
    expect(cseqOf(invite2)).toBe('2 INVITE');
    expect(branchOf(invite2)).not.toBe(branchOf(invite1));
    expect(cseqOf(only(received(first), 'ACK'))).toBe('1 ACK');
    expect(cseqOf(only(received(second), 'ACK'))).toBe('2 ACK');
    expect(header(only(received(second), 'BYE'), 'Call-ID')).toBe(header(invite1, 'Call-ID'));
  });

  it('gives up on a redirect loop after six INVITEs and ends "redirect-loop"', async () => {
    const run = await sipp('uas-redirect-loop');
    const t = track(ua);
    const call = ua.dial(uri(run));
    const end = await until('the call to end', endOf(t, call.id), 10_000);
    expect(end.end).toMatchObject({ cause: 'redirect-loop', status: 302 });

    const trace = expectSippPassed(await run.result);
    const invites = received(trace).filter((e) => kindOf(e) === 'INVITE');
    expect(invites.length).toBeLessThanOrEqual(6);
    expect(invites.map(cseqOf)).toEqual(['1 INVITE', '2 INVITE', '3 INVITE', '4 INVITE', '5 INVITE', '6 INVITE']);
    // Every 302, the last one too, was ACKed.
    expect(received(trace).filter((e) => kindOf(e) === 'ACK').map(cseqOf)).toEqual(['1 ACK', '2 ACK', '3 ACK', '4 ACK', '5 ACK', '6 ACK']);
  });

  // 5 ------------------------------------------------------------------------------------------
  it('183 with SDP puts the call in "early" (media flows before the answer), the 200 with the same SDP establishes it', async () => {
    const run = await sipp('uas-early-media', { args: ['-d', '2000', '-rtp_echo'] });
    const t = track(ua);
    const echoed: number[] = [];
    ua.on('call.quality', (q) => echoed.push(q.packetsReceived));
    const call = ua.dial(uri(run));
    await until('early media', inState(t, call.id, 'early'));
    expect(t.last(call.id)?.codec).toBe('PCMU/8000');
    // SIPp echoes our RTP: it reaches us during early media already.
    await until('RTP echoed back during early media', () => (echoed.some((n) => n > 0) && t.last(call.id)?.state === 'early' ? true : undefined), 3000);
    await until('the call to be established', inState(t, call.id, 'established'));
    expect(t.states(call.id)).toEqual(['calling', 'early', 'established']);
    await sleep(200);
    await ua.calls.hangup(call.id);
    const end = await until('the call to end', endOf(t, call.id));
    expect(end.end).toMatchObject({ cause: 'completed', by: 'local' });

    const trace = expectSippPassed(await run.result);
    expect(sent(trace).map(kindOf)).toEqual(['100', '183', '200', '200']);
    expect(received(trace).map(kindOf)).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  // 6 ------------------------------------------------------------------------------------------
  it('re-INVITE glare: Parley answers 491 to SIPp\'s re-INVITE while its hold is pending, retries after 2.1-4 s and ends held', async () => {
    const run = await sipp('uas-reinvite-glare');
    const t = track(ua);
    const call = ua.dial(uri(run));
    await until('the call to be established', inState(t, call.id, 'established'));
    const held = await ua.calls.get(call.id).hold();
    expect(held).toBe(true);
    expect(t.last(call.id)?.state).toBe('held');
    expect(t.states(call.id)).toEqual(['calling', 'established', 'held']);
    await ua.calls.hangup(call.id);
    const end = await until('the call to end', endOf(t, call.id));
    expect(end.end).toMatchObject({ cause: 'completed', by: 'local' });

    const trace = expectSippPassed(await run.result);
    expect(received(trace).map(kindOf)).toEqual(['INVITE', 'ACK', 'INVITE', '491', 'ACK', 'INVITE', 'ACK', 'BYE']);
    const [, reinvite, retry] = received(trace).filter((e) => kindOf(e) === 'INVITE') as [SippTraceEntry, SippTraceEntry, SippTraceEntry];
    expect(cseqOf(reinvite)).toBe('2 INVITE');
    expect(cseqOf(retry)).toBe('3 INVITE');
    expect(reinvite.text).toMatch(/^a=sendonly$/m);
    expect(retry.text).toMatch(/^a=sendonly$/m);
    // §14.2: our re-INVITE got 491 because Parley's own was in progress.
    const ours = sent(trace).find((e) => kindOf(e) === 'INVITE')!;
    const refusal = only(received(trace), '491');
    expect(cseqOf(refusal)).toBe('1 INVITE');
    expect(branchOf(refusal)).toBe(branchOf(ours));
    // §14.1: the owner of the Call-ID waits 2.1-4 s after the 491 before trying again.
    const our491 = only(sent(trace), '491');
    const waited = retry.timeMs - our491.timeMs;
    expect(waited, `retry after ${waited} ms`).toBeGreaterThanOrEqual(2100 - 20);
    expect(waited, `retry after ${waited} ms`).toBeLessThanOrEqual(4000 + 200);
  }, 20_000);

  // The CLI ------------------------------------------------------------------------------------
  it('`parley call` to a SIPp that answers 486 exits 2 with one stderr line saying busy', async () => {
    const run = await sipp('uas-reject');
    const cli = startCli(['call', uri(run), '--listen', '127.0.0.1:0'], { timeoutMs: 20_000 });
    const out = await cli.result;
    expect(out.code, out.stderr).toBe(2);
    expect(out.stderr.trim().split('\n')).toEqual([`parley: call to ${uri(run)} failed: busy (486 Busy Here)`]);
    const trace = expectSippPassed(await run.result);
    expect(received(trace).map(kindOf)).toEqual(['INVITE', 'ACK']);
  });

  it('`parley call --duration 1` through 183 early media to the answer exits 0 and SIPp gets the BYE', async () => {
    const run = await sipp('uas-early-media', { args: ['-d', '500'] });
    const cli = startCli(['call', uri(run), '--listen', '127.0.0.1:0', '--duration', '1'], { timeoutMs: 20_000 });
    const out = await cli.result;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
    const trace = expectSippPassed(await run.result);
    expect(received(trace).map(kindOf)).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  it('`parley answer` takes a call from a SIPp UAC that hangs up after 1 s and exits 0', async () => {
    const port = await freePort();
    const cli = startCli(['answer', '--listen', `127.0.0.1:${port}`], { timeoutMs: 20_000 });
    await until('the CLI to listen', () => (cli.stdout().includes('waiting for calls') ? true : undefined), 15_000);
    const run = await sipp('uac-call-then-bye', { remote: `127.0.0.1:${port}`, args: ['-s', 'parley', '-d', '1000'] });
    const trace = expectSippPassed(await run.result);
    expect(received(trace).map(kindOf).filter((k) => k !== '100' && k !== '180')).toEqual(['200', '200']);
    expect(cseqOf(received(trace).filter((e) => kindOf(e) === '200')[1]!)).toBe('2 BYE');
    const out = await cli.result;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/call ended: the other side hung up/);
  });
});
