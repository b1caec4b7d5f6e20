import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ParleyError, ValidationError } from '../base/errors';
import { EXIT, type CliIo } from './cli-io';
import { CALL_OPTION_SPEC } from './call-options';
import { answerCommand, callCommand } from './commands/call';
import { devicesCommand } from './commands/devices';
import { shellCommand } from './commands/shell';
import { optionsCommand } from './commands/options';
import { registerCommand } from './commands/register';
import { GLOBAL_OPTION_SPEC, parseGlobalOptions } from './global-options';

export { EXIT, type CliIo } from './cli-io';

const HELP = `Usage: parley [global options] <command> [command options]

Commands:
  register [--duration <s>]   register, stay registered (refreshing) for the duration or until
                              interrupted, then unregister; exit 0, or 2 with the reason
  options <uri>               send OPTIONS and print the answer
  call <uri>                  place a call; hang up after --duration or when the far end does
  answer [--count <n>]        wait for n calls (default 1; registered when --account is given,
                              else direct calls to --listen) and answer them
  shell                       read commands from stdin (dial <uri>, answer, hangup [id],
                              hold [id], resume [id], dtmf <digits>,
                              device input|output <name>|default, aec on|off, ns on|off,
                              voice, quit); JSON events out
  devices                     list audio devices (ids for --audio-in / --audio-out)
  version                     print Parley's version and runtime
  help                        show this help

Global options:
  --account <sip-uri>         the address of record, e.g. sip:alice@example.org
  --password <pw>             digest password (or the PARLEY_PASSWORD environment variable)
  --username <user>           digest user name, when it is not the account's user part
  --proxy <sip-uri>           outbound proxy, e.g. sip:127.0.0.1:5061;transport=tls
  --transport udp|tcp|tls     transport when the URIs do not say
  --ca <pem>                  CA certificate(s) to trust for TLS (default: the system's)
  --listen <host:port>        local address to listen on (default 0.0.0.0:0)
  --json                      one JSON event per line on stdout
  --log-level <level>         trace, debug, info, warn, error (default), silent
  -h, --help                  show this help

Call options (call, answer, shell):
  --srtp off|optional|mandatory   media encryption (default optional: offer SDES, accept plain)
  --codecs PCMU,PCMA,G722,opus    codecs in order of preference
  --play <wav>                microphone from a WAV file (looped); default: silence
  --record <wav>              what the far end sends, to a WAV file
  --audio-in <device>         PortAudio input by id or name (see devices)
  --audio-out <device>        PortAudio output by id or name
  --duration <s>              hang up after this long
  --dtmf <digits>             send after the answer (RFC 4733)
  --echo-cancellation on|off  cancel the speaker's echo in the microphone (default: on with
                              --audio-in, off for a WAV or silence)
  --noise-suppression on|off  suppress steady background noise (same default)

Exit codes: 0 success, 1 usage error, 2 failure (one line on stderr says which).
`;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs one CLI invocation and returns its exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...GLOBAL_OPTION_SPEC, ...CALL_OPTION_SPEC, duration: { type: 'string' } },
    });
  } catch (error) {
    io.stderr(`parley: ${(error as Error).message}\n`);
    return EXIT.USAGE;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === undefined || command === 'help') {
    io.stdout(HELP);
    return EXIT.OK;
  }
  try {
    const g = parseGlobalOptions(parsed.values, io.env);
    const callOptionGiven = Object.keys(CALL_OPTION_SPEC).some((k) => parsed.values[k as keyof typeof CALL_OPTION_SPEC] !== undefined);
    if (callOptionGiven && !['call', 'answer', 'shell'].includes(command)) throw new ValidationError(`call options (--srtp, --codecs, --play …) belong to call, answer and shell, not to ${command}`);
    if (parsed.values.duration !== undefined && !['register', 'call', 'answer'].includes(command)) throw new ValidationError(`--duration is an option of register, call and answer, not of ${command}`);
    switch (command) {
      case 'version':
        io.stdout(`Parley ${packageVersion()} (node ${process.versions.node})\n`);
        return EXIT.OK;
      case 'register':
        if (rest.length > 0) throw new ValidationError(`register takes no arguments: ${rest.join(' ')}`);
        return await registerCommand(g, { duration: parsed.values.duration }, io);
      case 'options':
        if (rest.length > 1) throw new ValidationError(`options takes one URI, not: ${rest.join(' ')}`);
        return await optionsCommand(g, rest[0], io);
      case 'call':
        if (rest.length > 1) throw new ValidationError(`call takes one URI, not: ${rest.join(' ')}`);
        return await callCommand(g, rest[0], parsed.values, io);
      case 'answer':
        if (rest.length > 0) throw new ValidationError(`answer takes no arguments: ${rest.join(' ')}`);
        return await answerCommand(g, parsed.values, io);
      case 'shell':
        if (rest.length > 0) throw new ValidationError(`shell takes no arguments: ${rest.join(' ')}`);
        return await shellCommand(g, parsed.values, io);
      case 'devices':
        if (rest.length > 0) throw new ValidationError(`devices takes no arguments: ${rest.join(' ')}`);
        return devicesCommand(g, io);
      default:
        io.stderr(`parley: unknown command '${command}' (see 'parley --help')\n`);
        return EXIT.USAGE;
    }
  } catch (error) {
    if (error instanceof ValidationError) {
      io.stderr(`parley: ${error.message}\n`);
      return EXIT.USAGE;
    }
    if (error instanceof ParleyError) {
      io.stderr(`parley: ${error.message}\n`);
      return EXIT.FAILURE;
    }
    throw error;
  }
}
