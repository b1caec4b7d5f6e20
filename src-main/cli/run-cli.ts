import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ParleyError, ValidationError } from '../base/errors';
import { EXIT, type CliIo } from './cli-io';
import { devicesCommand } from './commands/devices';
import { optionsCommand } from './commands/options';
import { registerCommand } from './commands/register';
import { GLOBAL_OPTION_SPEC, parseGlobalOptions } from './global-options';

export { EXIT, type CliIo } from './cli-io';

const HELP = `Usage: parley [global options] <command> [command options]

Commands:
  register [--duration <s>]   register, stay registered (refreshing) for the duration or until
                              interrupted, then unregister; exit 0, or 2 with the reason
  options <uri>               send OPTIONS and print the answer
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

Exit codes: 0 success, 1 usage error, 2 failure (one line on stderr says which).
Calls (call, answer, shell) arrive with the calls issue.
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
      options: { ...GLOBAL_OPTION_SPEC, duration: { type: 'string' } },
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
    if (parsed.values.duration !== undefined && command !== 'register') throw new ValidationError(`--duration is an option of register, not of ${command}`);
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
