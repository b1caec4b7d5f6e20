/**
 * The audio side of a CLI call: the microphone from a WAV (`--play`, looped) or a PortAudio
 * device (`--audio-in`), the far end's audio to a WAV (`--record`) or a device (`--audio-out`);
 * silence in and nothing out when neither is given. Devices are matched here by id or name,
 * and the result is plain data: the media engine opens them on its own worker thread.
 */
import type { Clock } from '../base/clock';
import { ValidationError } from '../base/errors';
import type { AudioBackend, AudioDeviceInfo } from '../audio/device';
import type { DeviceEnd, EngineDeviceSpec } from '../audio/engine-devices';
import { NaudiodonBackend } from '../audio/naudiodon-device';
import type { CallOptions } from './call-options';

export interface CliAudio {
  readonly devices: EngineDeviceSpec;
  /** The engine's rate: 48 kHz for sound cards, 16 kHz for files (cheaper to resample, wideband). */
  readonly sampleRate: number;
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
  let listed: AudioDeviceInfo[] | undefined;
  const devices = (): AudioDeviceInfo[] => (listed ??= (portaudio ?? new NaudiodonBackend({ clock })).listDevices());
  const device = (wanted: string, direction: 'input' | 'output'): DeviceEnd =>
    wanted === 'default' ? { kind: 'portaudio' } : { kind: 'portaudio', device: findDevice(devices(), wanted, direction).id };

  let input: DeviceEnd = { kind: 'null' };
  if (o.play !== undefined) input = { kind: 'wav', path: o.play, loop: true };
  else if (o.audioIn !== undefined) input = device(o.audioIn, 'input');

  let output: DeviceEnd = { kind: 'null' };
  if (o.record !== undefined) output = { kind: 'wav', path: o.record };
  else if (o.audioOut !== undefined) output = device(o.audioOut, 'output');

  const usesSoundCard = input.kind === 'portaudio' || output.kind === 'portaudio';
  return { devices: { kind: 'split', input, output }, sampleRate: usesSoundCard ? 48000 : 16000 };
}
