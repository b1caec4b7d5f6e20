/**
 * Switching the speaker during a call, through the whole stack: `parley shell` on PulseAudio
 * devices (naudiodon, the media worker, the hot-plug backend) calls a Parley user agent, then
 * `device output pulse` moves playback to the ALSA "pulse" device while the call goes on, and
 * `device output default` moves it back. Each move is a `device.changed` event, and standard
 * output carries nothing but JSON events although naudiodon prints as it opens streams.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UserAgent } from '../../src-main/ua/user-agent';
import { cliEvents, hangUpAndQuit, startCli, waitForCliEvent } from './support/parley-cli';
import { interopDescribe } from './support/peers';
import { startPulseAudio, type PulseAudioFixture } from './support/pulseaudio';

interface ShellEvent {
  readonly [field: string]: unknown;
  readonly event: string;
  readonly state?: string;
  readonly command?: string;
  readonly message?: string;
  readonly role?: string;
  readonly device?: string;
  readonly reason?: string;
}

const d = interopDescribe(['pulseaudio']);

d('parley shell switches the speaker of a live call (PulseAudio through naudiodon)', () => {
  let pulse: PulseAudioFixture;
  let bob: UserAgent | undefined;
  beforeAll(async () => {
    pulse = await startPulseAudio();
  }, 30_000);
  afterAll(async () => {
    await bob?.shutdown(200);
    await pulse?.dispose();
  });

  it('moves playback to another device and back with device.changed events, the call staying up', async () => {
    bob = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'], autoAnswer: true });
    const bobUri = `sip:bob@127.0.0.1:${bob.stack.localAddress('udp').port}`;
    const cli = startCli(['shell', '--listen', '127.0.0.1:0', '--codecs', 'PCMU', '--audio-in', 'default', '--audio-out', 'default'], { env: pulse.env, stdin: true, timeoutMs: 60_000 });
    // Every stdout line is a JSON event: naudiodon's own prints are kept off stdout.
    const events = (): ShellEvent[] => cliEvents<ShellEvent>(cli);
    const waitFor = (what: string, pred: (e: ShellEvent) => boolean, from = 0): Promise<ShellEvent> => waitForCliEvent(cli, what, pred, from);
    try {
      await waitFor('ready', (e) => e.event === 'ready');
      cli.write(`dial ${bobUri}\n`);
      await waitFor('an established call', (e) => e.event === 'call.updated' && e.state === 'established');
      await waitFor('the speaker opening', (e) => e.event === 'device.changed' && e.role === 'output' && e.reason === 'opened');

      let mark = events().length;
      cli.write('device output pulse\n');
      const moved = await waitFor('the move to pulse', (e) => e.event === 'device.changed' && e.role === 'output', mark);
      expect(moved).toMatchObject({ device: 'pulse', reason: 'user' });
      await waitFor('command.ok', (e) => e.event === 'command.ok' && e.command === 'device', mark);

      mark = events().length;
      cli.write('device output default\n');
      const back = await waitFor('the move back', (e) => e.event === 'device.changed' && e.role === 'output', mark);
      expect(back).toMatchObject({ device: 'default', reason: 'user' });

      mark = events().length;
      cli.write('device output No Such Speaker\n');
      const refused = await waitFor('a refusal', (e) => e.event === 'command.error', mark);
      expect(refused.message).toMatch(/no output device named No Such Speaker/);

      // The call survived every move.
      expect(bob.calls.list().map((c) => c.state)).toEqual(['established']);
      await hangUpAndQuit(cli);
    } finally {
      if (cli.exitCode() === undefined) cli.kill('SIGKILL');
    }
  }, 60_000);
});
