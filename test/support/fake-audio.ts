import type { Clock } from '../../src-main/base/clock';
import { MediaError } from '../../src-main/base/errors';
import {
  frameSamplesOf,
  type AudioBackend,
  type AudioDeviceInfo,
  type AudioInputStream,
  type AudioOutputStream,
  type AudioStreamOptions,
  type DeviceSelector,
} from '../../src-main/audio/device';
import { PacedInputStream, PacedOutputStream } from '../../src-main/audio/paced-stream';

/** A device description with sensible defaults, for fake device lists. */
export function fakeDevice(name: string, over: Partial<AudioDeviceInfo> = {}): AudioDeviceInfo {
  return {
    id: `fake:${name}`,
    name,
    hostApi: 'fake',
    maxInputChannels: 1,
    maxOutputChannels: 1,
    defaultSampleRate: 48000,
    isDefaultInput: false,
    isDefaultOutput: false,
    ...over,
  };
}

/**
 * An audio backend whose device list the test changes over virtual time. Each input fills its
 * frames with a per-device marker value (1, 2, 3… in opening order of device names), so a test
 * can tell which device a frame came from; each output records the frames it consumed.
 */
export class FakeAudioBackend implements AudioBackend {
  readonly name = 'fake';
  private devices: AudioDeviceInfo[] = [];
  private readonly markers = new Map<string, number>();
  readonly inputs = new Map<string, PacedInputStream>();
  readonly outputs = new Map<string, PacedOutputStream>();
  /** Frames each output device consumed (first sample of each frame). */
  readonly played = new Map<string, number[]>();
  /** Number of listDevices calls (one per poll). */
  enumerations = 0;
  /** Device ids whose open() throws. */
  readonly refuse = new Set<string>();

  constructor(private readonly clock: Clock) {}

  setDevices(devices: AudioDeviceInfo[]): void {
    this.devices = devices;
  }

  markerOf(name: string): number {
    let m = this.markers.get(name);
    if (m === undefined) {
      m = this.markers.size + 1;
      this.markers.set(name, m);
    }
    return m;
  }

  listDevices(): AudioDeviceInfo[] {
    this.enumerations++;
    return [...this.devices];
  }

  openInput(id: DeviceSelector, options: AudioStreamOptions): AudioInputStream {
    const dev = this.find(id, true);
    const marker = this.markerOf(dev.name);
    const s = new PacedInputStream(this.clock, dev.id, options.sampleRate, frameSamplesOf(options), (into) => into.fill(marker), () => {
      if (this.inputs.get(dev.id) === s) this.inputs.delete(dev.id);
    });
    this.inputs.set(dev.id, s);
    return s;
  }

  openOutput(id: DeviceSelector, options: AudioStreamOptions): AudioOutputStream {
    const dev = this.find(id, false);
    const log = this.played.get(dev.id) ?? [];
    this.played.set(dev.id, log);
    const s: PacedOutputStream = new PacedOutputStream(this.clock, dev.id, options.sampleRate, frameSamplesOf(options), (f) => log.push(f[0]!), () => {
      if (this.outputs.get(dev.id) === s) this.outputs.delete(dev.id);
    });
    this.outputs.set(dev.id, s);
    return s;
  }

  /** Makes the open streams of a device fail as an unplugged device does. */
  fail(id: string): void {
    const err = new MediaError('media.device', `${id} failed`);
    this.inputs.get(id)?.fail(err);
    this.outputs.get(id)?.fail(err);
  }

  private find(id: DeviceSelector, input: boolean): AudioDeviceInfo {
    const dev = id === 'default' ? this.devices.find((d) => (input ? d.isDefaultInput : d.isDefaultOutput)) : this.devices.find((d) => d.id === id);
    if (!dev || this.refuse.has(dev.id)) throw new MediaError('media.device', `cannot open ${id}`);
    return dev;
  }
}
