/**
 * What every CLI command shares: the engine (a UserAgent with the global options), logging to
 * stderr, and the event printer (`--json`: one JSON object per line on stdout, every event the
 * engine emits; otherwise short human lines).
 */
import { LogHub, stderrSink } from '../base/logger';
import { UserAgent, type UserAgentEvents } from '../ua/user-agent';
import { localAddressToward } from '../ua/local-address';
import type { GlobalOptions } from './global-options';
import type { CliIo } from './cli-io';

export interface CliSession {
  readonly ua: UserAgent;
  /** Prints an event: a JSON line with --json, else the human text (if any). */
  event(name: string, payload: Record<string, unknown>, human?: string): void;
  close(): Promise<void>;
}

const FORWARDED = ['registration.updated', 'connection.closed', 'message.malformed'] as const satisfies readonly (keyof UserAgentEvents)[];

export async function openSession(g: GlobalOptions, io: CliIo, hop?: string): Promise<CliSession> {
  const hub = new LogHub(g.logLevel);
  hub.addSink(stderrSink((line) => io.stderr(line)));
  const wildcard = g.listen.host === '0.0.0.0' || g.listen.host === '::';
  const advertisedHost = wildcard && hop ? await localAddressToward(hop) : undefined;
  const ua = await UserAgent.create({
    listen: g.listen,
    logger: hub.logger('parley'),
    ...(advertisedHost ? { advertisedHost } : {}),
    ...(g.caFile !== undefined ? { tls: { caFile: g.caFile } } : {}),
  });
  const event = (name: string, payload: Record<string, unknown>, human?: string): void => {
    if (g.json) io.stdout(JSON.stringify({ event: name, time: new Date().toISOString(), ...payload }) + '\n');
    else if (human) io.stdout(human + '\n');
  };
  for (const name of FORWARDED) {
    ua.on(name, (payload) => event(name, payload as Record<string, unknown>));
  }
  return { ua, event, close: () => ua.shutdown() };
}
