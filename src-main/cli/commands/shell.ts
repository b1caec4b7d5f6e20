/**
 * `parley shell`: reads commands from standard input, one per line, and prints every event as
 * a JSON line, so calls can be scripted (issue 5 §6):
 *   dial <uri> | answer [id] | hangup [id] | hold [id] | resume [id] | dtmf <digits> [id] |
 *   device input|output <name>|default | aec on|off | ns on|off | voice | quit
 * (`device` moves the microphone or speaker now, during a call or while ringing, when the
 * sound card is in use: `--audio-in`/`--audio-out`; `aec` and `ns` switch echo cancellation
 * and noise suppression of the microphone, live; `voice` prints them with the canceller's ERLE
 * and the echo delay it measured.)
 * A bad command prints a `command.error` event and the shell goes on. End of input = quit.
 */
import { ParleyError, ValidationError } from '../../base/errors';
import type { UserAgent } from '../../ua/user-agent';
import { parseCallOptions, parseSwitch, type RawCallOptions } from '../call-options';
import { EXIT, type CliIo } from '../cli-io';
import { openSession, type CliSession } from '../cli-session';
import type { GlobalOptions } from '../global-options';
import { resolveAccount } from '../../ua/account';

export const SHELL_COMMANDS = ['dial', 'answer', 'hangup', 'hold', 'resume', 'dtmf', 'device', 'aec', 'ns', 'voice', 'quit'] as const;

/** The call a command without an id means: the newest one in a state where it applies. */
function pick(ua: UserAgent, id: string | undefined, states: readonly string[]): string {
  if (id !== undefined) return id;
  const calls = ua.calls.list().filter((c) => states.includes(c.state));
  const newest = calls.sort((a, b) => b.startedAt - a.startedAt)[0];
  if (!newest) throw new ValidationError(`no call to apply this to (${states.join('/')})`);
  return newest.id;
}

/**
 * Answers with the microphone's voice processing as the engine (on its worker) runs it now:
 * echo cancellation and noise suppression, the canceller's ERLE and the echo delay it found.
 */
async function answerWithVoice(session: CliSession, command: string): Promise<void> {
  session.event('command.ok', { command, ...(await session.ua.media.stats()).voice });
}

export async function runShellCommand(session: CliSession, accountId: string | undefined, line: string): Promise<'quit' | void> {
  const { ua } = session;
  const [command, ...args] = line.trim().split(/\s+/);
  if (!command) return;
  const live = ['calling', 'ringing', 'early', 'incoming', 'answering', 'established', 'held'];
  try {
    switch (command) {
      case 'dial': {
        if (!args[0]) throw new ValidationError('usage: dial <uri>');
        const view = ua.dial(args[0], accountId);
        session.event('command.ok', { command, callId: view.id });
        return;
      }
      case 'answer':
        await ua.calls.answer(pick(ua, args[0], ['incoming']));
        break;
      case 'hangup':
        await ua.calls.hangup(pick(ua, args[0], live));
        break;
      case 'hold':
        await ua.calls.get(pick(ua, args[0], ['established'])).hold();
        break;
      case 'resume':
        await ua.calls.get(pick(ua, args[0], ['held'])).resume();
        break;
      case 'dtmf':
        if (!args[0]) throw new ValidationError('usage: dtmf <digits> [id]');
        await ua.calls.get(pick(ua, args[1], ['established', 'held'])).sendDtmf(args[0]);
        break;
      case 'device': {
        const [role, ...name] = args;
        if ((role !== 'input' && role !== 'output') || name.length === 0) throw new ValidationError('usage: device input|output <name>|default');
        const device = name.join(' ');
        await ua.media.setDevice(role, device === 'default' ? null : device);
        break;
      }
      case 'aec':
      case 'ns': {
        const on = parseSwitch(command, args[0]);
        if (on === undefined || args.length > 1) throw new ValidationError(`usage: ${command} on|off`);
        const current = (await ua.media.stats()).voice;
        await ua.media.setVoiceProcessing({
          echoCancellation: command === 'aec' ? on : current.echoCancellation,
          noiseSuppression: command === 'ns' ? on : current.noiseSuppression,
        });
        return answerWithVoice(session, command);
      }
      case 'voice':
        return answerWithVoice(session, command);
      case 'quit':
        return 'quit';
      default:
        throw new ValidationError(`unknown command '${command}' (${SHELL_COMMANDS.join(', ')})`);
    }
    session.event('command.ok', { command });
  } catch (error) {
    const message = error instanceof ParleyError ? error.message : String(error);
    session.event('command.error', { command, message });
  }
}

export async function shellCommand(g: GlobalOptions, raw: RawCallOptions, io: CliIo): Promise<number> {
  const o = parseCallOptions(raw);
  const json = { ...g, json: true };
  const hop = g.account ? resolveAccount(g.account).nextHop.host : undefined;
  const session = await openSession(json, io, hop, { call: o });
  try {
    if (g.account) {
      session.ua.addAccount(g.account);
      session.ua.register(g.account.id);
    }
    const local = session.ua.stack.localAddress(g.transport ?? 'udp');
    session.event('ready', { host: local.host, port: local.port, commands: SHELL_COMMANDS });
    if (io.lines) {
      for await (const line of io.lines()) {
        if ((await runShellCommand(session, g.account?.id, line)) === 'quit') break;
      }
    }
    await session.ua.calls.hangupAll();
    if (g.account) await session.ua.unregister(g.account.id);
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
