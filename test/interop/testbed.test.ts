/**
 * The test bed itself, end to end: two baresip users register to Kamailio over TLS, alice calls
 * bob with mandatory SRTP (RTP/SAVP, PCMU), each plays a different spoken prompt, and each
 * recording must carry the other side's speech — judged by log-energy envelope correlation
 * (test/support/audio-compare.ts) and level. Also: PortAudio (naudiodon) sees the PulseAudio
 * fixture's devices.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compareSpeech } from '../support/audio-compare';
import { startBaresip, type BaresipFixture } from './support/baresip';
import { startKamailio, type KamailioFixture } from './support/kamailio';
import { interopDescribe } from './support/peers';
import { startPulseAudio, type PulseAudioFixture } from './support/pulseaudio';
import { makeSpeechWav } from './support/speech';
import { sleep } from './support/managed-process';
import { parseSippTrace, runSipp, startSipp } from './support/sipp';

const run = promisify(execFile);
const d = interopDescribe(['kamailio', 'baresip', 'sipp', 'pulseaudio', 'espeak-ng', 'sox', 'openssl']);

/**
 * Thresholds, from measurements on this bed (20 s prompts of repeated speech, 13 s call): the
 * other side's prompt through PCMU + SRTP correlates 0.997–0.998; a side's own prompt (which it
 * must NOT hear) 0.39–0.44, like two different prompts compared directly (0.40). 0.8 sits well
 * between, and the margin over the own-prompt score rejects a recording that correlates with
 * everything. Prompts normalised to -3 dBFS peak arrive at about -21 dBFS RMS; silence reads
 * -100 (the floor); -40 rejects silence and low noise.
 */
const MIN_CORRELATION = 0.8;
const MIN_MARGIN = 0.3;
const MIN_RMS_DB = -40;
/** aufile reads the whole WAV before it starts sending (TESTBED.md): speech starts seconds late. */
const MAX_DELAY_MS = 9000;
/** About 7 s of speech, then silence: baresip hangs up when its WAV ends, so it outlasts the call. */
const PROMPT_SECONDS = 20;
const CALL_MS = 13_000;

d('test bed: baresip calls baresip through Kamailio over TLS with SRTP', () => {
  let work: string;
  let pulse: PulseAudioFixture;
  let kamailio: KamailioFixture;
  let alice: BaresipFixture;
  let bob: BaresipFixture;
  let aliceWav: string;
  let bobWav: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'parley-testbed-'));
    aliceWav = makeSpeechWav('Hello, this is Alice calling from the Parley test bed. The quick brown fox jumps over the lazy dog.',
      join(work, 'alice.wav'), { voice: 'en-us', seconds: PROMPT_SECONDS, fill: 'repeat' });
    bobWav = makeSpeechWav('Bob here. Seven, eight, nine, ten. Testing one two three, over and out.',
      join(work, 'bob.wav'), { voice: 'en-us+f3', seconds: PROMPT_SECONDS, fill: 'repeat' });
    pulse = await startPulseAudio();
    kamailio = await startKamailio();
    const common = { kamailio, transport: 'tls', mediaenc: 'srtp-mand', codecs: ['PCMU'], pulse } as const;
    alice = await startBaresip({ ...common, user: 'alice', microphoneWav: aliceWav });
    bob = await startBaresip({ ...common, user: 'bob', microphoneWav: bobWav, autoAnswer: true });
  });

  afterAll(async () => {
    await alice?.dispose();
    await bob?.dispose();
    await kamailio?.dispose();
    await pulse?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('registers alice and bob over TLS, each bound to its TLS connection', async () => {
    for (const user of ['alice', 'bob']) {
      const contacts = await kamailio.contactsOf(user);
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).toMatch(/;transport=tls/);
    }
    const dump = await kamailio.ulDump();
    expect(dump).toMatch(new RegExp(`Socket: tls:127\\.0\\.0\\.1:${kamailio.tlsPort}`));
    expect(dump).not.toMatch(/Socket: (udp|tcp):/);
  });

  it('carries each side\'s speech to the other, and not its own, through PCMU + SRTP', async () => {
    const aliceFrom = alice.events.length;
    const bobFrom = bob.events.length;
    expect((await alice.dial(bob.aor)).ok).toBe(true);
    await alice.waitForEvent('CALL_ESTABLISHED', 10_000, aliceFrom);
    await bob.waitForEvent('CALL_ESTABLISHED', 10_000, bobFrom);
    // The INVITE reached bob on his registration connection: only the two clients' connections.
    const connections = await kamailio.kamcmd('core.tcp_list');
    expect(connections.match(/type: TLS/g)).toHaveLength(2);
    for (const side of [alice, bob]) expect(connections).not.toMatch(new RegExp(`_port: ${side.sipPort}\\b`));
    await sleep(CALL_MS);
    const closedEarly = [...alice.events.slice(aliceFrom), ...bob.events.slice(bobFrom)]
      .filter((e) => e.type === 'CALL_CLOSED');
    expect(closedEarly, 'the call ended before the hangup').toEqual([]);
    const aliceBeforeHangup = alice.events.length;
    const bobBeforeHangup = bob.events.length;
    expect((await alice.hangup()).ok).toBe(true);
    await alice.waitForEvent('CALL_CLOSED', 10_000, aliceBeforeHangup);
    await bob.waitForEvent('CALL_CLOSED', 10_000, bobBeforeHangup);
    await sleep(300); // sndfile closes its WAV when the call's audio stops

    const aliceHeard = alice.recordings().at(-1);
    const bobHeard = bob.recordings().at(-1);
    expect(aliceHeard).toBeDefined();
    expect(bobHeard).toBeDefined();
    const opts = { maxDelayMs: MAX_DELAY_MS };
    const results = {
      aliceHearsBob: compareSpeech(bobWav, aliceHeard ?? '', opts),
      aliceHearsAlice: compareSpeech(aliceWav, aliceHeard ?? '', opts),
      bobHearsAlice: compareSpeech(aliceWav, bobHeard ?? '', opts),
      bobHearsBob: compareSpeech(bobWav, bobHeard ?? '', opts),
    };
    console.log(`testbed: audio ${JSON.stringify(results)}`);
    for (const [heard, own] of [
      [results.aliceHearsBob, results.aliceHearsAlice],
      [results.bobHearsAlice, results.bobHearsBob],
    ] as const) {
      expect(heard.correlation).toBeGreaterThan(MIN_CORRELATION);
      expect(heard.correlation - own.correlation).toBeGreaterThan(MIN_MARGIN);
      expect(heard.rmsDb).toBeGreaterThan(MIN_RMS_DB);
    }
    // srtp-mand: RTP/SAVP offered and answered, SDES keys in use on both sides.
    for (const side of [alice, bob]) expect(side.log()).toMatch(/SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
  });
});

d('test bed: PulseAudio virtual devices', () => {
  let pulse: PulseAudioFixture;
  beforeAll(async () => {
    pulse = await startPulseAudio();
  });
  afterAll(async () => {
    await pulse?.dispose();
  });

  it('shows naudiodon (PortAudio over ALSA) the PulseAudio "pulse" and "default" devices', async () => {
    const { stdout } = await run(process.execPath,
      ['-e', "console.log(JSON.stringify(require('naudiodon').getDevices()))"],
      { cwd: process.cwd(), env: { ...process.env, ...pulse.env }, timeout: 20_000 });
    const devices = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as
      { name: string; maxInputChannels: number; maxOutputChannels: number; hostAPIName: string }[];
    for (const name of ['pulse', 'default']) {
      const dev = devices.find((x) => x.name === name);
      expect(dev, `${name} in ${JSON.stringify(devices.map((x) => x.name))}`).toBeDefined();
      expect(dev?.maxInputChannels).toBeGreaterThan(0);
      expect(dev?.maxOutputChannels).toBeGreaterThan(0);
    }
    // The listing goes through this server: it saw the client connect.
    expect(await pulse.pactl('list', 'short', 'sinks')).toMatch(/parley_speaker/);
  });
});

d('test bed: SIPp runner', () => {
  it('shows a UDP client\'s retransmissions to a UAS that answers late (Timer E: 0.5 s, then 1 s)', async () => {
    const uas = await startSipp({ scenario: 'uas-delay-answer', args: ['-d', '2000'] });
    try {
      const uac = await runSipp({ scenario: 'uac-options', remote: `127.0.0.1:${uas.port}`, timeoutMs: 10_000 });
      expect(uac.exitCode, uac.errors).toBe(0);
      const result = await uas.result;
      expect(result.exitCode, result.errors).toBe(0);
      const received = parseSippTrace(result.messages).filter((m) => m.direction === 'received');
      expect(received.length).toBeGreaterThanOrEqual(3);
      const first = received[0]?.timeMs ?? 0;
      const gaps = received.slice(1, 3).map((m) => Math.round((m.timeMs - first) / 100) * 100);
      expect(gaps).toEqual([500, 1500]);
    } finally {
      await uas.dispose();
    }
  });
});
