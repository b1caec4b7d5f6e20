/**
 * Issue 5 "Done when": `parley call sip:bob@<kamailio> --transport tls --srtp mandatory --play
 * a.wav --record b.wav` talks to baresip through Kamailio and both ends hear each other's
 * speech; and baresip calls Parley (`parley answer`) the same way. Speech is judged as in the
 * test bed's own test: log-energy envelope correlation with the other side's prompt, a margin
 * over the correlation with the side's own prompt, and a level above silence.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compareSpeech } from '../support/audio-compare';
import { startBaresip, type BaresipFixture } from './support/baresip';
import { startKamailio, type KamailioFixture } from './support/kamailio';
import { pollUntil, sleep } from './support/managed-process';
import { runCli, startCli } from './support/parley-cli';
import { interopDescribe } from './support/peers';
import { startPulseAudio, type PulseAudioFixture } from './support/pulseaudio';
import { makeSpeechWav } from './support/speech';

const d = interopDescribe(['kamailio', 'baresip', 'pulseaudio', 'espeak-ng', 'sox', 'openssl']);

/** Same thresholds as test/interop/testbed.test.ts, measured on this bed. */
const MIN_CORRELATION = 0.8;
const MIN_MARGIN = 0.3;
const MIN_RMS_DB = -40;
const MAX_DELAY_MS = 9000;

d('calls between Parley and baresip through Kamailio over TLS with mandatory SRTP', () => {
  let work: string;
  let pulse: PulseAudioFixture;
  let kamailio: KamailioFixture;
  let bob: BaresipFixture;
  let dave: BaresipFixture;
  let parleyWav: string;
  let bobWav: string;
  let daveWav: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'parley-call-'));
    parleyWav = makeSpeechWav('Parley speaking. Alpha bravo charlie delta, the rain in Spain stays mainly in the plain.', join(work, 'parley.wav'), {
      voice: 'en-us',
      seconds: 20,
      fill: 'repeat',
    });
    bobWav = makeSpeechWav('Bob here. Seven, eight, nine, ten. Testing one two three, over and out.', join(work, 'bob.wav'), { voice: 'en-us+f3', seconds: 20, fill: 'repeat' });
    daveWav = makeSpeechWav('This is Dave answering. Four score and seven years ago, said the voice.', join(work, 'dave.wav'), { voice: 'en-gb', seconds: 20, fill: 'repeat' });
    pulse = await startPulseAudio();
    kamailio = await startKamailio();
    const common = { kamailio, transport: 'tls', mediaenc: 'srtp-mand', codecs: ['PCMU'], pulse } as const;
    bob = await startBaresip({ ...common, user: 'bob', microphoneWav: bobWav, autoAnswer: true });
    dave = await startBaresip({ ...common, user: 'dave', microphoneWav: daveWav });
  });
  afterAll(async () => {
    await bob?.dispose();
    await dave?.dispose();
    await kamailio?.dispose();
    await pulse?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const account = (user: 'alice' | 'carol') => [
    '--account', kamailio.aor(user),
    '--password', kamailio.users[user],
    '--proxy', kamailio.proxyUri('tls'),
    '--ca', kamailio.caPath,
    '--listen', '127.0.0.1:0',
  ];

  function expectHears(label: string, source: string, own: string, recording: string): void {
    const heard = compareSpeech(source, recording, { maxDelayMs: MAX_DELAY_MS });
    const self = compareSpeech(own, recording, { maxDelayMs: MAX_DELAY_MS });
    console.log(`call-baresip: ${label} ${JSON.stringify({ heard, self })}`);
    expect(heard.rmsDb, `${label}: level`).toBeGreaterThan(MIN_RMS_DB);
    expect(heard.correlation, `${label}: correlation with the far end's prompt`).toBeGreaterThan(MIN_CORRELATION);
    expect(heard.correlation - self.correlation, `${label}: margin over its own prompt`).toBeGreaterThan(MIN_MARGIN);
  }

  it('parley call → baresip: both ends hear each other', async () => {
    const record = join(work, 'parley-heard-bob.wav');
    const from = bob.events.length;
    const run = await runCli(
      ['call', bob.aor, '--transport', 'tls', '--srtp', 'mandatory', '--codecs', 'PCMU', '--play', parleyWav, '--record', record, '--duration', '16', ...account('alice')],
      { timeoutMs: 60_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/connected to sip:bob@127\.0\.0\.1 \(PCMU\/8000, SRTP\)/);
    await bob.waitForEvent('CALL_CLOSED', 10_000, from);
    await sleep(300);
    const bobHeard = bob.recordings().at(-1);
    expect(bobHeard).toBeDefined();
    expectHears('parley hears bob', bobWav, parleyWav, record);
    expectHears('bob hears parley', parleyWav, bobWav, bobHeard!);
  });

  it('baresip → parley answer on PulseAudio devices through naudiodon: the virtual mic reaches baresip, baresip reaches the speaker', async () => {
    await pulse.setMicrophoneWav(parleyWav);
    const speaker = join(work, 'parley-speaker.wav');
    const cli = startCli(
      ['answer', '--count', '1', '--srtp', 'mandatory', '--codecs', 'PCMU', '--audio-in', 'default', '--audio-out', 'default', '--duration', '14', ...account('carol')],
      { timeoutMs: 60_000, env: pulse.env },
    );
    await pollUntil('parley to register', 15_000, async () => ((await kamailio.contactsOf('carol')).length > 0 ? true : undefined), 100);
    const from = dave.events.length;
    expect((await dave.dial(kamailio.aor('carol'))).ok).toBe(true);
    await dave.waitForEvent('CALL_ESTABLISHED', 10_000, from);
    const recording = pulse.recordSpeaker(speaker, 12);
    const run = await cli.result;
    await recording;
    await pulse.setMicrophoneWav(null);
    expect(run.code, run.stderr).toBe(0);
    await dave.waitForEvent('CALL_CLOSED', 10_000, from);
    await sleep(300);
    const daveHeard = dave.recordings().at(-1);
    expect(daveHeard).toBeDefined();
    expectHears('speaker hears dave', daveWav, parleyWav, speaker);
    expectHears('dave hears the virtual mic', parleyWav, daveWav, daveHeard!);
  });

  it('baresip → parley answer: both ends hear each other', async () => {
    const record = join(work, 'parley-heard-dave.wav');
    const cli = startCli(
      ['answer', '--count', '1', '--srtp', 'mandatory', '--codecs', 'PCMU', '--play', parleyWav, '--record', record, '--duration', '13', ...account('carol')],
      { timeoutMs: 60_000 },
    );
    await pollUntil('parley to register', 15_000, async () => ((await kamailio.contactsOf('carol')).length > 0 ? true : undefined), 100);
    const from = dave.events.length;
    expect((await dave.dial(kamailio.aor('carol'))).ok).toBe(true);
    const run = await cli.result;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/connected to sip:dave@127\.0\.0\.1.*\(PCMU\/8000, SRTP\)/);
    await dave.waitForEvent('CALL_CLOSED', 10_000, from);
    await sleep(300);
    const daveHeard = dave.recordings().at(-1);
    expect(daveHeard).toBeDefined();
    expectHears('parley hears dave', daveWav, parleyWav, record);
    expectHears('dave hears parley', parleyWav, daveWav, daveHeard!);
    expect(await kamailio.contactsOf('carol')).toEqual([]);
  });
});
