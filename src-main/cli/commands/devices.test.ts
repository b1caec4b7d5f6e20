import { describe, expect, it } from 'vitest';
import { MediaError } from '../../base/errors';
import type { AudioBackend, AudioDeviceInfo } from '../../audio/device';
import { EXIT } from '../cli-io';
import { parseGlobalOptions } from '../global-options';
import { devicesCommand } from './devices';

const devices: AudioDeviceInfo[] = [
  { id: 'ALSA:pulse', name: 'pulse', hostApi: 'ALSA', maxInputChannels: 32, maxOutputChannels: 32, defaultSampleRate: 44100, isDefaultInput: false, isDefaultOutput: false },
  { id: 'ALSA:default', name: 'default', hostApi: 'ALSA', maxInputChannels: 32, maxOutputChannels: 32, defaultSampleRate: 44100, isDefaultInput: true, isDefaultOutput: true },
  { id: 'ALSA:USB Headset', name: 'USB Headset', hostApi: 'ALSA', maxInputChannels: 1, maxOutputChannels: 0, defaultSampleRate: 48000, isDefaultInput: false, isDefaultOutput: false },
];
const backend = (list: () => AudioDeviceInfo[]): AudioBackend =>
  ({ name: 'test', listDevices: list, openInput: () => { throw new Error('no'); }, openOutput: () => { throw new Error('no'); } }) as AudioBackend;

function run(json: boolean, b: AudioBackend) {
  let out = '';
  let err = '';
  const code = devicesCommand(parseGlobalOptions({ json }, {}), { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {} }, b);
  return { code, out, err };
}

describe('parley devices', () => {
  it('prints one row per device with its id, direction, rate and default marks', () => {
    const r = run(false, backend(() => devices));
    expect(r.code).toBe(EXIT.OK);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      'ALSA:pulse        in/out  44100 Hz',
      'ALSA:default      in/out  44100 Hz  default input, default output',
      'ALSA:USB Headset  in      48000 Hz',
    ]);
  });

  it('prints one JSON event per device with --json', () => {
    const r = run(true, backend(() => devices));
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; id: string });
    expect(lines.map((l) => [l.event, l.id])).toEqual([['device', 'ALSA:pulse'], ['device', 'ALSA:default'], ['device', 'ALSA:USB Headset']]);
  });

  it('exits 2 with one line when the audio system is unavailable', () => {
    const r = run(false, backend(() => { throw new MediaError('media.device', 'naudiodon (PortAudio) is not available: gone'); }));
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.err).toBe('parley: audio devices unavailable: naudiodon (PortAudio) is not available: gone\n');
  });
});
