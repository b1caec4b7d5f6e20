/**
 * The audio device boundary: the one small interface the engine sees (ARCHITECTURE.md layer 7).
 *
 * A backend enumerates devices and opens streams. Input streams deliver 20 ms mono signed
 * 16-bit frames through a `frame` event; output streams consume them through `writeFrame`.
 * Real devices (naudiodon/PortAudio) are paced by their hardware; file, tone and null devices
 * are paced by the injected `Clock`, so tests run them in virtual time.
 *
 * naudiodon is reached only through `naudiodon-device.ts`, loaded lazily, so tests and the
 * CLI run without the native module.
 */
import type { Clock } from '../base/clock';
import { ValidationError, type MediaError } from '../base/errors';
import type { TypedEmitter } from '../base/typed-emitter';

/** One device as the engine sees it. */
export interface AudioDeviceInfo {
  /**
   * Stable across enumerations and PortAudio re-initialisations: derived from the host API and
   * the name (`ALSA:pulse`, `ALSA:pulse#2` for a second device of the same name), never from
   * PortAudio's index, which shifts when devices come and go.
   */
  readonly id: string;
  readonly name: string;
  readonly hostApi: string;
  readonly maxInputChannels: number;
  readonly maxOutputChannels: number;
  readonly defaultSampleRate: number;
  readonly isDefaultInput: boolean;
  readonly isDefaultOutput: boolean;
}

/** How a stream is opened: mono s16 at `sampleRate`, in frames of `frameMs` (20 in the engine). */
export interface AudioStreamOptions {
  readonly sampleRate: number;
  readonly frameMs?: number;
}

export type AudioInputEvents = {
  /**
   * One frame of `frameSamples` samples. The array is the stream's own buffer, reused for the
   * next frame: copy what you keep.
   */
  frame: [Int16Array];
  /** The device failed (unplugged, driver error). The stream is closed after this event. */
  error: [MediaError];
  closed: [];
};

export type AudioOutputEvents = {
  error: [MediaError];
  closed: [];
};

export interface AudioStreamBase {
  /** The `AudioDeviceInfo.id` of the device this stream runs on. */
  readonly deviceId: string;
  readonly sampleRate: number;
  /** Samples per frame: `sampleRate * frameMs / 1000`. */
  readonly frameSamples: number;
  readonly closed: boolean;
  /** Stops the stream and releases the device; idempotent. */
  close(): Promise<void>;
}

export interface AudioInputStream extends AudioStreamBase, Pick<TypedEmitter<AudioInputEvents>, 'on' | 'once' | 'off'> {}

export interface AudioOutputStream extends AudioStreamBase, Pick<TypedEmitter<AudioOutputEvents>, 'on' | 'once' | 'off'> {
  /**
   * Queues one frame of `frameSamples` samples for playback; the stream copies it. When the
   * device falls behind by more than its queue audio is dropped (latency stays bounded).
   * Returns false when this frame will not be played (closed, dropped, or trimmed to hold the
   * latency), so an echo canceller can keep its reference in step with the speaker.
   */
  writeFrame(frame: Int16Array): boolean;
  /** Frames written but not yet handed to the device (for latency and underrun statistics). */
  readonly queuedFrames: number;
}

/** The device id meaning "whatever the system's default is". */
export type DeviceSelector = string | 'default';

export interface AudioBackend {
  /** A short name for logs: `portaudio`, `wav`, `null`, … */
  readonly name: string;
  /** The devices present now. May be slow (PortAudio enumerates the host APIs). */
  listDevices(): AudioDeviceInfo[];
  /** Opens an input; throws `MediaError('media.device')` when the device is absent or fails. */
  openInput(id: DeviceSelector, options: AudioStreamOptions): AudioInputStream;
  /** Opens an output; throws `MediaError('media.device')` when the device is absent or fails. */
  openOutput(id: DeviceSelector, options: AudioStreamOptions): AudioOutputStream;
}

/** What clock-paced devices (file, null, tone) need. */
export interface PacedDeviceOptions {
  readonly clock: Clock;
}

/** Builds the stable id of a device: `hostApi:name`, with `#n` for the n-th duplicate name. */
export function deviceIdOf(hostApi: string, name: string, occurrence = 1): string {
  return occurrence > 1 ? `${hostApi}:${name}#${occurrence}` : `${hostApi}:${name}`;
}

/** Samples per frame for a stream option set (20 ms by default). */
export function frameSamplesOf(options: AudioStreamOptions): number {
  const ms = options.frameMs ?? 20;
  const n = (options.sampleRate * ms) / 1000;
  if (!Number.isInteger(n) || n <= 0) {
    throw new ValidationError(`${options.sampleRate} Hz gives no whole ${ms} ms frame`);
  }
  return n;
}
