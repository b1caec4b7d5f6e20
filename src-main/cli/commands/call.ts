/**
 * `parley call <uri>` and `parley answer [--count <n>]` (issue 5 §6): one call out, or wait for
 * calls in and answer them, with audio from/to WAV files or devices, DTMF after the answer, and
 * a hang-up after --duration. Exit 0 when the call(s) completed, 2 with one line on a failure.
 */
import { ValidationError } from '../../base/errors';
import type { CallView } from '../../shared/model/call';
import { describeEnd } from '../../ua/call/call-end';
import { resolveAccount } from '../../ua/account';
import type { UserAgent } from '../../ua/user-agent';
import { parseCallOptions, type CallOptions, type RawCallOptions } from '../call-options';
import { EXIT, type CliIo } from '../cli-io';
import { openSession, type CliSession } from '../cli-session';
import { registrationFailureText } from '../failure-text';
import type { GlobalOptions } from '../global-options';

function humanState(v: CallView): string | undefined {
  switch (v.state) {
    case 'ringing':
      return `ringing ${v.remote}`;
    case 'early':
      return `early media from ${v.remote}`;
    case 'established':
      return `connected to ${v.remote} (${v.codec ?? '?'}${v.secure ? ', SRTP' : ''})`;
    case 'held':
      return `on hold: ${v.remote}`;
    default:
      return undefined;
  }
}

/** Prints call events in human form (the JSON form is printed by the session). */
function narrate(s: CliSession, ua: UserAgent, json: boolean): void {
  if (json) return;
  let last = '';
  ua.on('call.updated', (v) => {
    const line = humanState(v);
    if (line && line !== last) s.say((last = line));
  });
  ua.on('call.incoming', (v) => s.say(`incoming call from ${v.remoteName ? `${v.remoteName} <${v.remote}>` : v.remote}`));
  ua.on('call.ended', (v) => s.say(`call ended: ${v.end ? describeEnd(v.end) : 'ended'}`));
}

/** Plays the connected call's part: DTMF, then wait for --duration (or the far end's BYE). */
async function runConnected(ua: UserAgent, callId: string, o: CallOptions, ended: Promise<CallView>, interrupted: Promise<void> | undefined): Promise<void> {
  if (o.dtmf) await ua.calls.get(callId).sendDtmf(o.dtmf).catch(() => {});
  const waits: Promise<unknown>[] = [ended];
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (o.durationMs !== undefined) waits.push(new Promise((r) => (timer = setTimeout(r, o.durationMs))));
  if (interrupted) waits.push(interrupted);
  await Promise.race(waits);
  clearTimeout(timer);
  await ua.calls.hangup(callId).catch(() => {});
}

function waitForEnd(ua: UserAgent, callId: string): Promise<CallView> {
  return new Promise((resolve) => {
    const off = ua.on('call.ended', (v) => {
      if (v.id === callId) {
        off();
        resolve(v);
      }
    });
  });
}

function waitConnected(ua: UserAgent, callId: string, ended: Promise<CallView>): Promise<boolean> {
  return new Promise((resolve) => {
    const off = ua.on('call.updated', (v) => {
      if (v.id === callId && v.state === 'established') {
        off();
        resolve(true);
      }
    });
    void ended.then(() => {
      off();
      resolve(false);
    });
  });
}

export async function callCommand(g: GlobalOptions, target: string | undefined, raw: RawCallOptions, io: CliIo): Promise<number> {
  if (!target) throw new ValidationError('call needs a target URI, e.g. parley call sip:bob@example.org');
  const o = parseCallOptions(raw);
  const hop = g.account ? resolveAccount(g.account).nextHop.host : /@([^;:>]+)/.exec(target)?.[1];
  const session = await openSession(g, io, hop, { call: o });
  const { ua } = session;
  try {
    narrate(session, ua, g.json);
    if (g.account) ua.addAccount(g.account);
    // --transport applies to a direct call's target when its URI does not say (issue 5 §6).
    const dialled = !g.account && g.transport && /^sip:/i.test(target) && !/;transport=/i.test(target) ? `${target};transport=${g.transport}` : target;
    const view = ua.dial(dialled, g.account?.id);
    const ended = waitForEnd(ua, view.id);
    session.say(`calling ${target}`);
    if (await waitConnected(ua, view.id, ended)) await runConnected(ua, view.id, o, ended, io.interrupted);
    const end = await ended;
    if (end.answeredAt !== undefined && (end.end?.cause === 'completed' || end.end === undefined)) return EXIT.OK;
    io.stderr(`parley: call to ${target} failed: ${end.end ? describeEnd(end.end) : 'ended'}\n`);
    return EXIT.FAILURE;
  } finally {
    await session.close();
  }
}

export async function answerCommand(g: GlobalOptions, raw: RawCallOptions, io: CliIo): Promise<number> {
  const o = parseCallOptions(raw);
  const hop = g.account ? resolveAccount(g.account).nextHop.host : undefined;
  const session = await openSession(g, io, hop, { call: o });
  const { ua } = session;
  try {
    narrate(session, ua, g.json);
    if (g.account) {
      ua.addAccount(g.account);
      const reg = await ua.registerAndWait(g.account.id);
      if (reg.state === 'failed') {
        io.stderr(`parley: ${registrationFailureText(reg, resolveAccount(g.account).nextHop.toString())}\n`);
        return EXIT.FAILURE;
      }
    }
    const local = ua.stack.localAddress(g.transport ?? 'udp');
    session.event('listening', { host: local.host, port: local.port }, `waiting for calls on ${local.host}:${local.port}`);
    ua.autoAnswer = true;
    let failures = 0;
    const done: Promise<void>[] = [];
    await new Promise<void>((resolve) => {
      let seen = 0;
      const off = ua.on('call.incoming', (v) => {
        if (++seen >= o.count) off();
        const ended = waitForEnd(ua, v.id);
        done.push(
          waitConnected(ua, v.id, ended)
            .then((up) => (up ? runConnected(ua, v.id, o, ended, io.interrupted) : undefined))
            .then(() => ended)
            .then((end) => {
              if (end.answeredAt === undefined || (end.end && end.end.cause !== 'completed')) {
                failures++;
                io.stderr(`parley: call from ${end.remote} failed: ${end.end ? describeEnd(end.end) : 'ended'}\n`);
              }
            }),
        );
        if (seen >= o.count) resolve();
      });
      void io.interrupted?.then(() => resolve());
    });
    await Promise.all(done);
    if (g.account) await ua.unregister(g.account.id);
    return failures === 0 ? EXIT.OK : EXIT.FAILURE;
  } finally {
    await session.close();
  }
}
