/**
 * What every CLI command shares: the engine (a UserAgent with the global options), logging to
 * stderr, and the event printer (`--json`: one JSON object per line on stdout, every event the
 * engine emits; otherwise short human lines).
 */
import { systemClock } from '../base/clock';
import { LogHub, stderrSink } from '../base/logger';
import { cliAudio } from './cli-audio';
import type { CallOptions } from './call-options';
import { UserAgent, type UserAgentEvents } from '../ua/user-agent';
import { localAddressToward } from '../ua/local-address';
import type { GlobalOptions } from './global-options';
import type { CliIo } from './cli-io';

export interface CliSession {
  readonly ua: UserAgent;
  /** Prints an event: a JSON line with --json, else the human text (if any). */
  event(name: string, payload: Record<string, unknown>, human?: string): void;
  /** Prints a line for people (nothing with --json). */
  say(line: string): void;
  close(): Promise<void>;
}

const FORWARDED = ['registration.updated', 'connection.closed', 'message.malformed', 'call.updated', 'call.incoming', 'call.ended', 'call.quality', 'call.dtmf'] as const satisfies readonly (keyof UserAgentEvents)[];

export interface SessionExtras {
  readonly call?: CallOptions;
}

/** A call's media runs on a worker thread with the devices the options ask for. */
function callMedia(call: CallOptions) {
  const audio = cliAudio(call, systemClock);
  return {
    mediaWorker: { devices: audio.devices, sampleRate: audio.sampleRate },
    callPreferences: { srtp: call.srtp, codecs: call.codecs },
    voiceProcessing: call.voice,
  };
}

export async function openSession(g: GlobalOptions, io: CliIo, hop?: string, extras: SessionExtras = {}): Promise<CliSession> {
  const hub = new LogHub(g.logLevel);
  hub.addSink(stderrSink((line) => io.stderr(line)));
  const wildcard = g.listen.host === '0.0.0.0' || g.listen.host === '::';
  const advertisedHost = wildcard && hop ? await localAddressToward(hop) : undefined;
  const ua = await UserAgent.create({
    listen: g.listen,
    logger: hub.logger('parley'),
    ...(advertisedHost ? { advertisedHost } : {}),
    ...(g.caFile !== undefined ? { tls: { caFile: g.caFile } } : {}),
    ...(extras.call ? callMedia(extras.call) : {}),
  });
  const event = (name: string, payload: Record<string, unknown>, human?: string): void => {
    if (g.json) io.stdout(JSON.stringify({ event: name, time: new Date().toISOString(), ...payload }) + '\n');
    else if (human) io.stdout(human + '\n');
  };
  for (const name of FORWARDED) {
    ua.on(name, (payload) => event(name, payload as Record<string, unknown>));
  }
  ua.on('device.changed', (d) => event('device.changed', d, `audio ${d.role}: ${d.device}${d.reason === 'opened' ? '' : ` (${d.reason === 'lost' ? 'the device in use was lost' : d.reason === 'returned' ? 'the preferred device is back' : 'switched'})`}`));
  ua.on('device.error', (d) => event('device.error', d, `audio device: ${d.message}`));
  const say = (line: string): void => {
    if (!g.json) io.stdout(line + '\n');
  };
  return { ua, event, say, close: () => ua.shutdown() };
}
