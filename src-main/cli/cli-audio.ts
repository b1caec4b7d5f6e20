/**
 * The audio side of a CLI call: the microphone from a WAV (`--play`, looped) or a PortAudio
 * device (`--audio-in`), the far end's audio to a WAV (`--record`) or a device (`--audio-out`);
 * silence in and nothing out when neither is given. Devices are matched by id or name.
 */
import type { Clock } from '../base/clock';
import { ValidationError } from '../base/errors';
import type { AudioBackend, AudioDeviceInfo } from '../audio/device';
import { NaudiodonBackend } from '../audio/naudiodon-device';
import { NullAudioBackend } from '../audio/null-device';
import { WavAudioBackend } from '../audio/wav-device';
import type { EngineAudioBackend } from '../media/engine-api';
import type { CallOptions } from './call-options';

export interface CliAudio {
  readonly backend: EngineAudioBackend;
  readonly inputDevice: string;
  readonly outputDevice: string;
}

/** Finds a device by exact id, else by name (case-insensitive), for a direction. */
export function findDevice(devices: readonly AudioDeviceInfo[], wanted: string, direction: 'input' | 'output'): AudioDeviceInfo {
  const usable = devices.filter((d) => (direction === 'input' ? d.maxInputChannels > 0 : d.maxOutputChannels > 0));
  const w = wanted.toLowerCase();
  const found = usable.find((d) => d.id === wanted) ?? usable.find((d) => d.name.toLowerCase() === w) ?? usable.find((d) => d.id.toLowerCase() === w);
  if (!found) {
    const names = usable.map((d) => d.id).join(', ') || 'none';
    throw new ValidationError(`no audio ${direction} device '${wanted}' (available: ${names}; see 'parley devices')`);
  }
  return found;
}

export function cliAudio(o: CallOptions, clock: Clock, portaudio?: AudioBackend): CliAudio {
  const none = new NullAudioBackend(clock);
  let pa: AudioBackend | undefined = portaudio;
  const devices = (): AudioDeviceInfo[] => (pa ??= new NaudiodonBackend({ clock })).listDevices();

  let input: { backend: AudioBackend; id: string } = { backend: none, id: 'default' };
  if (o.play !== undefined) input = { backend: new WavAudioBackend({ clock, inputPath: o.play, loop: true }), id: 'default' };
  else if (o.audioIn !== undefined) input = { backend: (pa ??= new NaudiodonBackend({ clock })), id: o.audioIn === 'default' ? 'default' : findDevice(devices(), o.audioIn, 'input').id };

  let output: { backend: AudioBackend; id: string } = { backend: none, id: 'default' };
  if (o.record !== undefined) output = { backend: new WavAudioBackend({ clock, outputPath: o.record }), id: 'default' };
  else if (o.audioOut !== undefined) output = { backend: (pa ??= new NaudiodonBackend({ clock })), id: o.audioOut === 'default' ? 'default' : findDevice(devices(), o.audioOut, 'output').id };

  return {
    backend: {
      name: `${input.backend.name}+${output.backend.name}`,
      openInput: (_id, opts) => input.backend.openInput(input.id, opts),
      openOutput: (_id, opts) => output.backend.openOutput(output.id, opts),
    },
    inputDevice: input.id,
    outputDevice: output.id,
  };
}
