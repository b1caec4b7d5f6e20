import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';

/** Exit codes the CLI promises its users' scripts. */
export const EXIT = { OK: 0, USAGE: 1, FAILURE: 2 } as const;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

const HELP = `Usage: parley <command> [options]

Commands:
  version            print Parley's version and runtime
  help               show this help

Signalling (register, options), calls (call, answer, shell) and devices are being built:
they arrive with the SIP core and media issues and will be listed here when they work.

Options:
  -h, --help         show this help
`;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs one CLI invocation and returns its exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    io.stderr(`parley: ${(error as Error).message}\n`);
    return EXIT.USAGE;
  }
  const [command] = parsed.positionals;
  if (parsed.values.help || command === undefined || command === 'help') {
    io.stdout(HELP);
    return EXIT.OK;
  }
  switch (command) {
    case 'version':
      io.stdout(`Parley ${packageVersion()} (node ${process.versions.node})\n`);
      return EXIT.OK;
    default:
      io.stderr(`parley: unknown command '${command}' (see 'parley --help')\n`);
      return EXIT.USAGE;
  }
}
