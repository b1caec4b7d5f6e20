/**
 * The CLI's global options (issue 3 §8): which account, how to reach its registrar, how to
 * print. Parsing is pure so it is tested without a network.
 */
import { randomUUID } from 'node:crypto';
import { LOG_LEVELS, type LogLevel } from '../base/logger';
import { ValidationError } from '../base/errors';
import type { AccountConfig } from '../ua/account';
import type { TransportProtocol } from '../transport/transport';

export const GLOBAL_OPTION_SPEC = {
  account: { type: 'string' },
  password: { type: 'string' },
  username: { type: 'string' },
  proxy: { type: 'string' },
  transport: { type: 'string' },
  ca: { type: 'string' },
  listen: { type: 'string' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface GlobalOptions {
  readonly account?: AccountConfig;
  readonly listen: { readonly host: string; readonly port: number };
  readonly caFile?: string;
  readonly transport?: TransportProtocol;
  readonly json: boolean;
  readonly logLevel: LogLevel;
}

export interface RawGlobalOptions {
  account?: string | undefined;
  password?: string | undefined;
  username?: string | undefined;
  proxy?: string | undefined;
  transport?: string | undefined;
  ca?: string | undefined;
  listen?: string | undefined;
  json?: boolean | undefined;
  'log-level'?: string | undefined;
}

/** Validates raw option values; throws ValidationError with a message for the user. */
export function parseGlobalOptions(raw: RawGlobalOptions, env: Readonly<Record<string, string | undefined>>): GlobalOptions {
  const transport = raw.transport?.toLowerCase();
  if (transport !== undefined && transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') {
    throw new ValidationError(`--transport must be udp, tcp or tls, not '${raw.transport}'`);
  }
  const level = (raw['log-level'] ?? 'error').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new ValidationError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const listen = parseListen(raw.listen ?? '0.0.0.0:0');
  const password = raw.password ?? env['PARLEY_PASSWORD'];
  let account: AccountConfig | undefined;
  if (raw.account !== undefined) {
    account = {
      id: 'cli',
      aor: raw.account,
      // RFC 5626 §4.1: a URN that names this instance of the user agent.
      instanceId: `urn:uuid:${randomUUID()}`,
      ...(password !== undefined ? { password } : {}),
      ...(raw.username !== undefined ? { authUser: raw.username } : {}),
      ...(raw.proxy !== undefined ? { proxy: raw.proxy } : {}),
      ...(transport !== undefined ? { transport } : {}),
    };
  } else if (raw.password !== undefined || raw.username !== undefined || raw.proxy !== undefined) {
    throw new ValidationError('--password, --username and --proxy need --account <sip-uri>');
  }
  return {
    ...(account ? { account } : {}),
    listen,
    ...(raw.ca !== undefined ? { caFile: raw.ca } : {}),
    ...(transport !== undefined ? { transport } : {}),
    json: raw.json ?? false,
    logLevel: level as LogLevel,
  };
}

/** `host:port`, `[v6]:port`, `host` or `:port`. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) throw new ValidationError(`--listen must be host:port, not '${text}'`);
  const host = m[1] ?? (m[2] || '0.0.0.0');
  const port = m[3] === undefined ? 0 : Number(m[3]);
  if (port > 65535) throw new ValidationError(`--listen port out of range: ${port}`);
  return { host, port };
}
