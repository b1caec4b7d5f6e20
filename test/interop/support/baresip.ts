/**
 * baresip fixture: one far-end user with its own config dir, registered to the Kamailio fixture
 * through an outbound proxy, playing a WAV as its microphone (aufile) and recording what it
 * hears (sndfile → `dump-<time>-dec.wav`), driven over ctrl_tcp.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaresipControl, type BaresipEvent, type BaresipResponse } from './baresip-control';
import type { KamailioFixture } from './kamailio';
import { pollUntil, startProcess } from './managed-process';
import { freePort, freePorts } from './ports';
import type { PulseAudioFixture } from './pulseaudio';
import { makeRunDir, removeRunDir } from './temp-dir';
import { binary } from './binaries';

export type SipTransport = 'udp' | 'tcp' | 'tls';

export interface BaresipOptions {
  readonly kamailio: KamailioFixture;
  /** One of the Kamailio fixture's users (its password is taken from the fixture). */
  readonly user: string;
  readonly transport?: SipTransport;
  /** Answer incoming calls automatically. */
  readonly autoAnswer?: boolean;
  /** 'srtp' = RTP/AVP with a=crypto (optional), 'srtp-mand' = RTP/SAVP (required). */
  readonly mediaenc?: 'srtp' | 'srtp-mand';
  /**
   * WAV played as the microphone (aufile; read whole before the call's audio starts). When it
   * ends, baresip hangs up ("menu: audio error (0,end of file)"): make it longer than the call.
   */
  readonly microphoneWav?: string;
  /** Audio codecs in order, e.g. ['PCMU'] (default: PCMU, PCMA). */
  readonly codecs?: readonly string[];
  /**
   * Give baresip a blocking audio player through PulseAudio (about 2 % CPU per call); without it
   * the player is alsa,null, which busy-loops a core during calls.
   */
  readonly pulse?: PulseAudioFixture;
  /** Registration interval in seconds (default 600). */
  readonly regint?: number;
  /** Wait for a 200 OK to REGISTER before returning (default true). */
  readonly waitRegistered?: boolean;
}

export interface BaresipFixture {
  readonly user: string;
  /** The baresip process (for CPU figures in benchmarks). */
  readonly pid: number;
  readonly aor: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly dir: string;
  /** Where sndfile writes `dump-*-dec.wav` (heard) and `dump-*-enc.wav` (sent). */
  readonly recordDir: string;
  readonly control: BaresipControl;
  readonly events: readonly BaresipEvent[];
  command(command: string, params?: string): Promise<BaresipResponse>;
  dial(uri: string): Promise<BaresipResponse>;
  /** Answers the ringing incoming call (when not auto-answering). */
  accept(): Promise<BaresipResponse>;
  hangup(): Promise<BaresipResponse>;
  /** Polls `reginfo` until the account shows an OK registration. */
  waitRegistered(timeoutMs?: number): Promise<void>;
  waitForEvent(type: string, timeoutMs?: number, from?: number): Promise<BaresipEvent>;
  /** Paths of the decoded-audio recordings (one per call), oldest first. */
  recordings(): string[];
  /** The whole baresip log so far. */
  log(): string;
  logTail(lines?: number): string;
  dispose(): Promise<void>;
}

export async function startBaresip(opts: BaresipOptions): Promise<BaresipFixture> {
  const k = opts.kamailio;
  const password = (k.users as Record<string, string>)[opts.user];
  if (password === undefined) throw new Error(`baresip: ${opts.user} is not a Kamailio test user`);
  const transport = opts.transport ?? 'udp';
  const dir = makeRunDir(`baresip-${opts.user}`);
  const recordDir = join(dir, 'recordings');
  const sipPort = await freePort();
  const ctrlPort = await freePort();
  const rtpFirst = await freePorts(20);

  // Without a WAV of its own it plays a 30 s tone (ausine only runs at 48 kHz, which G.711 is
  // not); baresip hangs up when its source WAV ends, so this bounds the call length.
  let microphoneWav = opts.microphoneWav;
  if (microphoneWav === undefined) {
    microphoneWav = join(dir, 'tone.wav');
    execFileSync(binary('sox'), ['-n', '-r', '8000', '-c', '1', '-b', '16', microphoneWav, 'synth', '30', 'sine', '440', 'vol', '0.3'],
      { stdio: 'ignore', timeout: 10_000 });
  }
  const audioDevice = opts.pulse ? 'alsa,default' : 'alsa,null';
  writeFileSync(join(dir, 'config'), [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${sipPort}`,
    `sip_cafile ${k.caPath}`,
    'net_interface 127.0.0.1',
    `rtp_ports ${rtpFirst}-${rtpFirst + 19}`,
    'rtcp_mux no',
    'call_local_timeout 120',
    'call_max_calls 4',
    `audio_player ${audioDevice}`,
    `audio_alert ${audioDevice}`,
    `audio_source aufile,${microphoneWav}`,
    'audio_buffer 20-160',
    'jitter_buffer_delay 5-10',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module alsa.so',
    'module aufile.so',
    'module srtp.so',
    'module sndfile.so',
    'module_tmp uuid.so',
    'module_tmp account.so',
    'module_app contact.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
    `snd_path ${recordDir}`,
    '',
  ].join('\n'));
  const codecs = (opts.codecs ?? ['PCMU', 'PCMA']).join(',');
  const params = [
    `auth_pass=${password}`,
    `outbound="${k.proxyUri(transport)}"`,
    `regint=${opts.regint ?? 600}`,
    `audio_codecs=${codecs}`,
    ...(opts.autoAnswer ? ['answermode=auto'] : []),
    ...(opts.mediaenc ? [`mediaenc=${opts.mediaenc}`] : []),
  ];
  writeFileSync(join(dir, 'accounts'), `<sip:${opts.user}@${k.domain};transport=${transport}>;${params.join(';')}\n`);
  writeFileSync(join(dir, 'contacts'), '');
  mkdirSync(recordDir);

  const env = { ...process.env, ...(opts.pulse?.peerEnv ?? {}), HOME: dir };
  const proc = startProcess(`baresip-${opts.user}`, binary('baresip'), ['-f', dir],
    { cwd: dir, env, logPath: join(dir, 'baresip.log') });
  let control: BaresipControl;
  try {
    control = await pollUntil('baresip ctrl_tcp', 10_000, async () => {
      if (!proc.isRunning()) throw new Error('baresip exited');
      try {
        return await BaresipControl.connect(ctrlPort);
      } catch {
        return undefined;
      }
    }, 100);
  } catch (e) {
    await proc.stop();
    throw new Error(`baresip did not start: ${(e as Error).message}\n${proc.describe(40)}`, { cause: e });
  }

  const aor = `sip:${opts.user}@${k.domain}`;
  let disposed = false;
  const fixture: BaresipFixture = {
    user: opts.user,
    pid: proc.pid,
    aor,
    sipPort,
    ctrlPort,
    dir,
    recordDir,
    control,
    events: control.events,
    command: (command, p) => control.command(command, p),
    dial: (uri) => control.command('dial', uri),
    accept: () => control.command('accept'),
    hangup: () => control.command('hangup'),
    async waitRegistered(timeoutMs = 10_000) {
      try {
        await pollUntil(`${opts.user} registered`, timeoutMs, async () => {
          const r = await control.command('reginfo');
          // strip the ANSI colours around the status
          const text = r.data.replace(/\u001b\[[0-9;]*m/g, '');
          return /\sOK\s/.test(text) ? true : undefined;
        }, 200);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${proc.describe(30)}`, { cause: e });
      }
    },
    async waitForEvent(type, timeoutMs = 10_000, from = 0) {
      try {
        return await control.waitForEvent((e) => e.type === type, timeoutMs, from);
      } catch (e) {
        throw new Error(`${opts.user}: ${type}: ${(e as Error).message}\n${proc.describe(30)}`, { cause: e });
      }
    },
    recordings: () =>
      readdirSync(recordDir).filter((f) => f.endsWith('-dec.wav')).sort().map((f) => join(recordDir, f)),
    log: () => proc.log(),
    logTail: (lines = 40) => proc.tail(lines),
    async dispose() {
      if (disposed) return;
      disposed = true;
      control.close();
      await proc.stop();
      removeRunDir(dir);
    },
  };
  if (opts.waitRegistered ?? true) {
    try {
      await fixture.waitRegistered();
    } catch (e) {
      await fixture.dispose();
      throw e;
    }
  }
  return fixture;
}
