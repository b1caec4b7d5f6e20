/** `parley devices` lists the PulseAudio devices PortAudio sees (through naudiodon). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './support/parley-cli';
import { interopDescribe } from './support/peers';
import { startPulseAudio, type PulseAudioFixture } from './support/pulseaudio';

const d = interopDescribe(['pulseaudio']);

d('parley devices with PulseAudio virtual devices', () => {
  let pulse: PulseAudioFixture;
  beforeAll(async () => {
    pulse = await startPulseAudio();
  });
  afterAll(async () => {
    await pulse?.dispose();
  });

  it('lists the pulse and default devices with their directions, one JSON event each', async () => {
    const run = await runCli(['devices', '--json'], { env: pulse.env });
    expect(run.code, run.stderr).toBe(0);
    const devices = run.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; id: string; maxInputChannels: number; maxOutputChannels: number });
    const byId = new Map(devices.map((x) => [x.id, x]));
    expect(byId.get('ALSA:pulse')).toMatchObject({ event: 'device' });
    expect(byId.get('ALSA:pulse')!.maxInputChannels).toBeGreaterThan(0);
    expect(byId.get('ALSA:pulse')!.maxOutputChannels).toBeGreaterThan(0);
    expect(byId.has('ALSA:default')).toBe(true);
  });
});
