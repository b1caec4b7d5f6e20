/**
 * The null device: a silent microphone and a speaker that discards, both paced by the
 * injected clock. The fallback when no real device exists (a headless server, a CI machine),
 * so a call never fails for want of a sound card.
 */
import type { Clock } from '../base/clock';
import { MediaError } from '../base/errors';
import {
  frameSamplesOf,
  type AudioBackend,
  type AudioDeviceInfo,
  type AudioInputStream,
  type AudioOutputStream,
  type AudioStreamOptions,
  type DeviceSelector,
} from './device';
import { PacedInputStream, PacedOutputStream } from './paced-stream';

export const NULL_DEVICE: AudioDeviceInfo = {
  id: 'null:Null',
  name: 'Null',
  hostApi: 'null',
  maxInputChannels: 1,
  maxOutputChannels: 1,
  defaultSampleRate: 48000,
  isDefaultInput: true,
  isDefaultOutput: true,
};

export class NullAudioBackend implements AudioBackend {
  readonly name = 'null';
  /** Frames consumed by every output opened here (for tests and statistics). */
  framesDiscarded = 0;

  constructor(private readonly clock: Clock) {}

  listDevices(): AudioDeviceInfo[] {
    return [NULL_DEVICE];
  }

  openInput(id: DeviceSelector, options: AudioStreamOptions): AudioInputStream {
    this.check(id);
    return new PacedInputStream(this.clock, NULL_DEVICE.id, options.sampleRate, frameSamplesOf(options), (into) => into.fill(0));
  }

  openOutput(id: DeviceSelector, options: AudioStreamOptions): AudioOutputStream {
    this.check(id);
    return new PacedOutputStream(this.clock, NULL_DEVICE.id, options.sampleRate, frameSamplesOf(options), () => {
      this.framesDiscarded++;
    });
  }

  private check(id: DeviceSelector): void {
    if (id !== 'default' && id !== NULL_DEVICE.id) throw new MediaError('media.device', `no such device: ${id}`);
  }
}
